namespace Milvus.Orleans.Schema;

/// <summary>One field of a collection.</summary>
/// <param name="Name">Field name: a letter or underscore, then letters, digits or underscores; at most 255.</param>
/// <param name="Type">The field's type.</param>
/// <param name="IsPrimaryKey">Whether the field is the primary key (exactly one, <see cref="DataType.Int64"/> or <see cref="DataType.VarChar"/>).</param>
/// <param name="AutoId">For an Int64 primary key: the service assigns the keys and inserts must not carry them.</param>
/// <param name="Dimension">For a <see cref="DataType.FloatVector"/>: its length, 1..<see cref="MaxDimension"/>.</param>
/// <param name="MaxLength">For a <see cref="DataType.VarChar"/>: the longest value, 1..<see cref="MaxVarCharLength"/>.</param>
/// <param name="Metric">For a <see cref="DataType.FloatVector"/>: how searches compare its rows (the metric Milvus sets on the field's index).</param>
/// <param name="Index">For a <see cref="DataType.FloatVector"/>: its index, or null for HNSW with the silos' settings.</param>
[GenerateSerializer, Immutable]
public sealed record FieldSchema(
    [property: Id(0)] string Name,
    [property: Id(1)] DataType Type,
    [property: Id(2)] bool IsPrimaryKey = false,
    [property: Id(3)] bool AutoId = false,
    [property: Id(4)] int Dimension = 0,
    [property: Id(5)] int MaxLength = 0,
    [property: Id(6)] MetricType Metric = MetricType.L2,
    [property: Id(7)] VectorIndex? Index = null)
{
    /// <summary>Largest vector dimension.</summary>
    public const int MaxDimension = 32_768;

    /// <summary>Largest <see cref="MaxLength"/> of a VarChar field.</summary>
    public const int MaxVarCharLength = 65_535;

    /// <summary>The Json field of a dynamic collection (<see cref="CollectionSchema.DynamicFieldName"/>).</summary>
    public static FieldSchema Dynamic { get; } = new(CollectionSchema.DynamicFieldName, DataType.Json);

    /// <summary>Whether this is the field that keeps a dynamic collection's undeclared keys.</summary>
    public bool IsDynamic => Name == CollectionSchema.DynamicFieldName;

    /// <summary>An Int64 primary key.</summary>
    public static FieldSchema Int64Key(string name, bool autoId = false) => new(name, DataType.Int64, IsPrimaryKey: true, AutoId: autoId);

    /// <summary>A VarChar primary key.</summary>
    public static FieldSchema VarCharKey(string name, int maxLength) => new(name, DataType.VarChar, IsPrimaryKey: true, MaxLength: maxLength);

    /// <summary>A float vector field.</summary>
    public static FieldSchema FloatVector(string name, int dimension, MetricType metric = MetricType.L2, VectorIndex? index = null) =>
        new(name, DataType.FloatVector, Dimension: dimension, Metric: metric, Index: index);

    /// <summary>A scalar field.</summary>
    public static FieldSchema Scalar(string name, DataType type, int maxLength = 0) => new(name, type, MaxLength: maxLength);
}
