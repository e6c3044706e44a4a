using System.Text.Json;
using Milvus.Orleans.Client;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Gateway.Rest;

/// <summary>
/// <c>indexes/*</c>: create, list, describe, drop; and the reading of Milvus' <c>indexParams</c>, which collections'
/// create also takes. HNSW and FLAT are served; AUTOINDEX is HNSW with the silos' settings.
/// </summary>
internal static class IndexEndpoints
{
    public static void AddTo(Dictionary<string, RestEndpoint> endpoints)
    {
        endpoints["indexes/create"] = new(async call =>
        {
            var collection = call.Collection;
            var indexes = call.Body.Objects("indexParams") is { Count: > 0 } given ? given : throw RestException.Missing(call.Body.Name("indexParams"));
            foreach (var (field, index, metric) in indexes.Select(Parse))
            {
                await call.Client.CreateIndexAsync(collection, field, index, metric, call.CancellationToken);
            }

            return RestReply.Empty;
        });
        endpoints["indexes/list"] = new(async call =>
            RestReply.Strings((await call.Client.DescribeIndexesAsync(call.Collection, call.CancellationToken)).Select(i => i.Index.Name)));
        endpoints["indexes/describe"] = new(async call =>
        {
            var collection = call.Collection;
            var name = call.Body.RequiredString("indexName");
            var index = (await call.Client.DescribeIndexesAsync(collection, call.CancellationToken)).FirstOrDefault(i => i.Index.Name == name)
                ?? throw NotFound(collection, name);
            return new RestReply(writer =>
            {
                writer.WriteStartArray();
                Write(writer, index);
                writer.WriteEndArray();
            });
        });
        endpoints["indexes/drop"] = new(async call =>
        {
            var collection = call.Collection;
            var name = call.Body.RequiredString("indexName");
            try
            {
                await call.Client.DropIndexAsync(collection, name, call.CancellationToken);
            }
            catch (MilvusException ex) when (ex.Code == ErrorCode.IndexNotFound)
            {
                throw NotFound(collection, name);
            }

            return RestReply.Empty;
        });
    }

    /// <summary>
    /// One entry of <c>indexParams</c>: <c>fieldName</c>, <c>indexName</c> (the field's name when absent),
    /// <c>metricType</c> (COSINE when absent), <c>indexType</c> (or <c>params.index_type</c>; AUTOINDEX when absent),
    /// and for HNSW <c>params.M</c> and <c>params.efConstruction</c>.
    /// </summary>
    public static (string Field, VectorIndex Index, MetricType Metric) Parse(RestBody entry)
    {
        var field = entry.RequiredString("fieldName");
        var parameters = entry.Object("params");
        var type = entry.String("indexType") ?? parameters?.String("index_type") ?? "AUTOINDEX";
        var name = entry.String("indexName") is { Length: > 0 } given ? given : field;
        var metric = RestNames.Metric(entry.String("metricType") ?? parameters?.String("metric_type") ?? "COSINE", entry.Name("metricType"));
        var index = type.ToUpperInvariant() switch
        {
            "AUTOINDEX" => new VectorIndex(name),
            "HNSW" => new VectorIndex(
                name,
                IndexKind.Hnsw,
                parameters?.Int("M", 0, VectorIndex.MinM, VectorIndex.MaxM) ?? 0,
                parameters?.Int("efConstruction", 0, 1, VectorIndex.MaxEfConstruction) ?? 0),
            "FLAT" => new VectorIndex(name, IndexKind.Flat),
            _ => throw RestException.Invalid($"index type '{type}' of field '{field}' is not supported yet: use HNSW, FLAT or AUTOINDEX"),
        };
        return (field, index, metric);
    }

    /// <summary>Milvus' name of an index type.</summary>
    public static string TypeName(VectorIndex index) => index.Kind == IndexKind.Flat ? "FLAT" : "HNSW";

    private static RestException NotFound(string collection, string index) =>
        new(RestCode.IndexNotFound, $"index not found[collection={collection}][index={index}]");

    /// <summary>
    /// An index with the collection's progress. A collection not loaded is <c>Unissued</c> with no rows counted:
    /// its graphs are built, or read from beside its segments, when it loads.
    /// </summary>
    private static void Write(Utf8JsonWriter writer, IndexDescription index)
    {
        var progress = index.Progress;
        writer.WriteStartObject();
        writer.WriteString("indexName", index.Index.Name);
        writer.WriteString("fieldName", index.Field);
        writer.WriteString("indexType", TypeName(index.Index));
        writer.WriteString("metricType", RestNames.Of(index.Metric));
        writer.WriteNumber("totalRows", progress?.Rows ?? 0);
        writer.WriteNumber("pendingRows", progress is null ? 0 : progress.Rows - progress.IndexedRows);
        writer.WriteNumber("indexedRows", progress?.IndexedRows ?? 0);
        writer.WriteString("indexState", progress switch
        {
            null => "Unissued",
            { Failure: not null } => "Failed",
            { IsFinished: true } => "Finished",
            _ => "InProgress",
        });
        writer.WriteString("failReason", progress?.Failure ?? "");
        writer.WriteEndObject();
    }
}
