using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;
using Milvus.Orleans.Schema;
using SchemaIndexKind = Milvus.Orleans.Schema.IndexKind;
using VectorDataIndexKind = Microsoft.Extensions.VectorData.IndexKind;

namespace Milvus.Orleans.VectorData;

/// <summary>The collection schema a record model asks for, and how its distance functions and index kinds map.</summary>
internal static class CollectionSchemas
{
    /// <summary>The distance function of a vector property that names none.</summary>
    public const string DefaultDistanceFunction = DistanceFunction.CosineSimilarity;

    /// <summary>The schema of collection <paramref name="name"/> for <paramref name="model"/>, in <paramref name="shards"/> shards.</summary>
    public static CollectionSchema Of(string name, CollectionModel model, int shards)
    {
        var key = model.KeyProperty;
        var fields = new List<FieldSchema>
        {
            key.Type == typeof(long)
                ? FieldSchema.Int64Key(key.StorageName)
                : FieldSchema.VarCharKey(key.StorageName, key.Type == typeof(Guid) ? 36 : FieldSchema.MaxVarCharLength),
        };
        fields.AddRange(model.DataProperties.Select(p => FieldSchema.Scalar(
            p.StorageName, DataTypeOf(p.Type), p.Type == typeof(string) ? FieldSchema.MaxVarCharLength : 0)));
        fields.AddRange(model.VectorProperties.Select(p => FieldSchema.FloatVector(p.StorageName, p.Dimensions, Metric(p), Index(p))));
        return CollectionSchema.Of(name, fields, shards);
    }

    /// <summary>
    /// The metric of <paramref name="property"/>'s distance function: cosine similarity is COSINE, dot product
    /// similarity IP, squared Euclidean distance L2; no other is offered.
    /// </summary>
    public static MetricType Metric(VectorPropertyModel property) => (property.DistanceFunction ?? DefaultDistanceFunction) switch
    {
        DistanceFunction.CosineSimilarity => MetricType.Cosine,
        DistanceFunction.DotProductSimilarity => MetricType.IP,
        DistanceFunction.EuclideanSquaredDistance => MetricType.L2,
        var other => throw new NotSupportedException(
            $"Vector property '{property.ModelName}' asks for distance function '{other}': Milvus.Orleans offers {DistanceFunction.CosineSimilarity} (COSINE), " +
            $"{DistanceFunction.DotProductSimilarity} (IP) and {DistanceFunction.EuclideanSquaredDistance} (L2)."),
    };

    /// <summary>Whether a larger score is a closer match under <paramref name="metric"/> (similarities) or a smaller one (L2 distance).</summary>
    public static bool LargerIsCloser(MetricType metric) => metric != MetricType.L2;

    private static VectorIndex? Index(VectorPropertyModel property) => property.IndexKind switch
    {
        // HNSW with the silos' settings.
        null or VectorDataIndexKind.Hnsw => null,
        VectorDataIndexKind.Flat => new VectorIndex(property.StorageName, SchemaIndexKind.Flat),
        var other => throw new NotSupportedException(
            $"Vector property '{property.ModelName}' asks for index kind '{other}': Milvus.Orleans offers {VectorDataIndexKind.Hnsw} and {VectorDataIndexKind.Flat}."),
    };

    private static DataType DataTypeOf(Type type) =>
        type == typeof(bool) ? DataType.Bool
        : type == typeof(int) ? DataType.Int32
        : type == typeof(long) ? DataType.Int64
        : type == typeof(float) ? DataType.Float
        : type == typeof(double) ? DataType.Double
        : DataType.VarChar;
}
