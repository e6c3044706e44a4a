namespace Milvus.Orleans.Schema;

/// <summary>How a vector field's rows are compared with a query vector, as Milvus names them; set on the field.</summary>
public enum MetricType
{
    /// <summary>Squared Euclidean distance: smaller is closer.</summary>
    L2 = 0,

    /// <summary>Inner product: larger is closer.</summary>
    IP = 1,

    /// <summary>Cosine similarity, in [-1, 1]: larger is closer.</summary>
    Cosine = 2,
}
