using Milvus.Orleans.Query;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Gateway.Rest;

/// <summary>Milvus' names of data types, metrics and consistency levels, to and from the service's own.</summary>
internal static class RestNames
{
    private static readonly Dictionary<string, DataType> Types = new(StringComparer.Ordinal)
    {
        ["Bool"] = DataType.Bool,
        ["Int32"] = DataType.Int32,
        ["Int64"] = DataType.Int64,
        ["Float"] = DataType.Float,
        ["Double"] = DataType.Double,
        ["VarChar"] = DataType.VarChar,
        ["JSON"] = DataType.Json,
        ["FloatVector"] = DataType.FloatVector,
    };

    /// <summary>Milvus types the service does not hold yet.</summary>
    private static readonly HashSet<string> NotSupported = new(StringComparer.Ordinal)
    {
        "Int8", "Int16", "Array", "BinaryVector", "Float16Vector", "BFloat16Vector", "SparseFloatVector",
    };

    public static string Of(DataType type) => type == DataType.Json ? "JSON" : type.ToString();

    public static DataType Type(string name, string parameter) => Types.TryGetValue(name, out var type)
        ? type
        : throw RestException.Invalid(NotSupported.Contains(name)
            ? $"'{parameter}' is {name}, which this service does not support yet (supported: {string.Join(", ", Types.Keys)})"
            : $"'{parameter}' is '{name}', not a Milvus data type (supported here: {string.Join(", ", Types.Keys)}; names are case-sensitive)");

    public static string Of(MetricType metric) => metric switch
    {
        MetricType.Cosine => "COSINE",
        _ => metric.ToString(),
    };

    public static MetricType Metric(string name, string parameter) => name.ToUpperInvariant() switch
    {
        "L2" => MetricType.L2,
        "IP" => MetricType.IP,
        "COSINE" => MetricType.Cosine,
        _ => throw RestException.Invalid($"'{parameter}' is '{name}': expected L2, IP or COSINE"),
    };

    public static ConsistencyLevel Consistency(string name, string parameter) =>
        Enum.TryParse<ConsistencyLevel>(name, ignoreCase: true, out var level) && Enum.IsDefined(level) && !int.TryParse(name, out _)
            ? level
            : throw RestException.Invalid($"'{parameter}' is '{name}': expected Strong, Bounded, Session or Eventually");
}
