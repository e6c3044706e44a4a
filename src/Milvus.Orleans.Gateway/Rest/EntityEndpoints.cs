using System.Text.Json;
using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Query;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Gateway.Rest;

/// <summary><c>entities/*</c>: insert, upsert, delete, get, query, search.</summary>
internal static class EntityEndpoints
{
    /// <summary>Rows a query or search returns when the request gives no <c>limit</c>, as Milvus.</summary>
    private const int DefaultLimit = 100;

    public static void AddTo(Dictionary<string, RestEndpoint> endpoints)
    {
        endpoints["entities/insert"] = new(call => WriteAsync(call, upsert: false), Writes: true);
        endpoints["entities/upsert"] = new(call => WriteAsync(call, upsert: true), Writes: true);
        endpoints["entities/delete"] = new(DeleteAsync);
        endpoints["entities/get"] = new(GetAsync);
        endpoints["entities/query"] = new(QueryAsync);
        endpoints["entities/search"] = new(SearchAsync);
        endpoints["entities/hybrid_search"] = new(_ => throw RestException.Invalid("hybrid_search is not supported yet: send one search per vector field"));
    }

    private static async Task<RestReply> WriteAsync(RestCall call, bool upsert)
    {
        var info = await call.Client.GetCachedCollectionAsync(call.Collection, call.CancellationToken);
        var rows = RowJson.ToBatch(info.Schema, call.Body.Required("data"));
        var partition = call.Body.String("partitionName");
        var result = upsert
            ? await call.Client.UpsertAsync(info.Name, rows, partition, call.CancellationToken)
            : await call.Client.InsertAsync(info.Name, rows, partition, call.CancellationToken);
        var keys = result.AssignedIds is { } assigned
            ? FieldColumn.Int64(info.Schema.PrimaryKey.Name, assigned)
            : rows.Column(info.Schema.PrimaryKey.Name)!;
        var prefix = upsert ? "upsert" : "insert";
        return new(writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber(prefix + "Count", result.Count);
            writer.WriteStartArray(prefix + "Ids");
            for (var row = 0; row < keys.RowCount; row++)
            {
                RowJson.WriteValue(writer, keys, row, call.Int64AsString);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    private static async Task<RestReply> DeleteAsync(RestCall call)
    {
        var collection = call.Collection;
        var filter = call.Body.RequiredString("filter");
        var result = await call.Client.DeleteAsync(collection, filter, call.Body.String("partitionName"), call.CancellationToken);
        return RestReply.Object("deleteCount", result.Count);
    }

    private static async Task<RestReply> GetAsync(RestCall call)
    {
        var info = await LoadedAsync(call);
        var keys = Keys(info.Schema.PrimaryKey, call.Body.Required("id"));
        var output = OutputFields.Of(info.Schema, call.Body.Strings("outputFields"), ["*"]);
        var rows = await call.Client.GetAsync(
            info.Name, keys, output.Fields, Consistency(call.Body, ConsistencyLevel.Strong), Partitions(call.Body), call.CancellationToken);
        return new(writer => output.WriteRows(writer, rows, call.Int64AsString), WithCost: true);
    }

    private static async Task<RestReply> QueryAsync(RestCall call)
    {
        var info = await LoadedAsync(call);
        var filter = call.Body.String("filter") is { Length: > 0 } text ? text : null;
        var consistency = Consistency(call.Body, ConsistencyLevel.Bounded);
        var requested = call.Body.Strings("outputFields");
        if (requested is ["count(*)"])
        {
            var count = await call.Client.CountAsync(info.Name, filter, consistency, Partitions(call.Body), cancellationToken: call.CancellationToken);
            return new(writer =>
            {
                writer.WriteStartArray();
                writer.WriteStartObject();
                writer.WriteNumber("count(*)", count);
                writer.WriteEndObject();
                writer.WriteEndArray();
            }, WithCost: true);
        }

        var output = OutputFields.Of(info.Schema, requested, ["*"]);
        var limit = call.Body.Int("limit", DefaultLimit, 1, QueryRequest.MaxRows);
        var offset = call.Body.Int("offset", 0, 0, QueryRequest.MaxRows - limit);
        var rows = await call.Client.QueryAsync(info.Name, filter, new QueryParameters(output.Fields, limit, offset, consistency, Partitions(call.Body)), call.CancellationToken);
        return new(writer => output.WriteRows(writer, rows, call.Int64AsString), WithCost: true);
    }

    private static async Task<RestReply> SearchAsync(RestCall call)
    {
        var body = call.Body;
        var info = await LoadedAsync(call);
        if (body.Has("groupingField"))
        {
            throw RestException.Invalid("groupingField is not supported yet");
        }

        var field = VectorField(info.Schema, body.String("annsField"));
        var vectors = Vectors(body.Required("data"), field);
        var limit = body.Int("limit", DefaultLimit, 1, SearchRequest.MaxTopK);
        var offset = body.Int("offset", 0, 0, SearchRequest.MaxTopK - limit);
        var searchParams = body.Object("searchParams");
        var metric = searchParams?.String("metric_type") ?? searchParams?.String("metricType");
        if (metric is not null && RestNames.Metric(metric, searchParams!.Name("metric_type")) != field.Metric)
        {
            throw RestException.Invalid($"metric type {metric} does not match the metric of field '{field.Name}' ({RestNames.Of(field.Metric)})");
        }

        var indexParams = searchParams?.Object("params");
        if (indexParams is not null && (indexParams.Has("radius") || indexParams.Has("range_filter")))
        {
            throw RestException.Invalid("range search (radius, range_filter) is not supported yet");
        }

        var output = OutputFields.Of(info.Schema, body.Strings("outputFields"), []);
        var parameters = new SearchParameters(
            body.String("filter") is { Length: > 0 } filter ? filter : null,
            output.Fields,
            Consistency(body, ConsistencyLevel.Bounded),
            field.Name,
            indexParams?.Int("ef", 0, 1, SearchRequest.MaxTopK) ?? 0,
            Partitions: Partitions(body));
        var hits = await call.Client.SearchAsync(info.Name, vectors, offset + limit, parameters, call.CancellationToken);
        var key = info.Schema.PrimaryKey.Name;
        return new(
            writer =>
            {
                writer.WriteStartArray();
                foreach (var query in hits)
                {
                    for (var hit = offset; hit < query.Scores.Length; hit++)
                    {
                        writer.WriteStartObject();
                        output.WriteFields(writer, query.Rows, hit, call.Int64AsString);
                        if (key != "id" && info.Schema.Field("id") is null)
                        {
                            // Milvus' replies name the primary key "id" too.
                            writer.WritePropertyName("id");
                            RowJson.WriteValue(writer, query.Rows.Column(key)!, hit, call.Int64AsString);
                        }

                        writer.WriteNumber("distance", query.Scores[hit]);
                        writer.WriteEndObject();
                    }
                }

                writer.WriteEndArray();
            },
            TopKs: [.. hits.Select(q => Math.Max(0, q.Scores.Length - offset))],
            WithCost: true);
    }

    /// <summary>
    /// The collection, as Milvus serves reads only of a loaded one: not loaded by this gateway's cached description is
    /// asked of the catalog again (another gateway may have loaded it) before <c>101</c>.
    /// </summary>
    private static async Task<CollectionInfo> LoadedAsync(RestCall call)
    {
        var name = call.Collection;
        var info = await call.Client.GetCachedCollectionAsync(name, call.CancellationToken);
        if (!info.Loaded)
        {
            info = await call.Client.DescribeCollectionAsync(name, call.CancellationToken);
        }

        return info.Loaded ? info : throw new RestException(RestCode.CollectionNotLoaded, $"collection not loaded[collection={name}]: load it first (collections/load)");
    }

    /// <summary><c>partitionNames</c>: the partitions a read covers; absent or empty, every partition.</summary>
    private static IReadOnlyList<string>? Partitions(RestBody body) => body.Strings("partitionNames") is { Count: > 0 } partitions ? partitions : null;

    private static ConsistencyLevel Consistency(RestBody body, ConsistencyLevel defaultLevel) =>
        body.String("consistencyLevel") is { } level ? RestNames.Consistency(level, "consistencyLevel") : defaultLevel;

    private static FieldSchema VectorField(CollectionSchema schema, string? name)
    {
        var vectors = schema.Fields.Where(f => f.Type == DataType.FloatVector).ToList();
        if (name is null)
        {
            return vectors.Count == 1
                ? vectors[0]
                : throw RestException.Invalid($"collection '{schema.Name}' has {vectors.Count} vector fields: name one in annsField ({string.Join(", ", vectors.Select(f => f.Name))})");
        }

        return vectors.FirstOrDefault(f => f.Name == name)
            ?? throw RestException.Invalid($"annsField '{name}' is not a vector field of collection '{schema.Name}' ({string.Join(", ", vectors.Select(f => f.Name))})");
    }

    private static List<float[]> Vectors(JsonElement data, FieldSchema field)
    {
        if (data.ValueKind != JsonValueKind.Array || data.GetArrayLength() is < 1 or > SearchRequest.MaxQueries)
        {
            throw RestException.Invalid($"'data' must be an array of 1..{SearchRequest.MaxQueries} query vectors");
        }

        var vectors = new List<float[]>(data.GetArrayLength());
        foreach (var vector in data.EnumerateArray())
        {
            if (vector.ValueKind != JsonValueKind.Array || vector.GetArrayLength() != field.Dimension)
            {
                throw RestException.Invalid(vector.ValueKind == JsonValueKind.Array
                    ? $"query vector {vectors.Count} has {vector.GetArrayLength()} values: field '{field.Name}' has dimension {field.Dimension}"
                    : $"query vector {vectors.Count} must be an array of {field.Dimension} numbers, not {RestBody.Kind(vector)}");
            }

            vectors.Add([.. vector.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Number && v.TryGetSingle(out var x) && float.IsFinite(x)
                ? x
                : throw RestException.Invalid($"query vector {vectors.Count} holds {v.GetRawText()}: expected finite numbers"))]);
        }

        return vectors;
    }

    /// <summary>
    /// The <c>id</c> of a get (one key or a list, whatever the primary key is called) as keys of <paramref name="key"/>'s
    /// type; a key of the other type is <see cref="RestCode.PrimaryKeyTypeMismatch"/>.
    /// </summary>
    private static PrimaryKeys Keys(FieldSchema key, JsonElement id)
    {
        JsonElement[] values = id.ValueKind == JsonValueKind.Array ? [.. id.EnumerateArray()] : [id];
        if (values.Length is < 1 or > QueryRequest.MaxRows)
        {
            throw RestException.Invalid($"'id' must hold 1..{QueryRequest.MaxRows} primary keys");
        }

        if (key.Type == DataType.Int64)
        {
            return PrimaryKeys.Of([.. values.Select(v => RowJson.TryGetInt64(v, out var n)
                ? n
                : throw new RestException(RestCode.PrimaryKeyTypeMismatch, $"primary key '{key.Name}' is Int64: {v.GetRawText()} is not one"))]);
        }

        return PrimaryKeys.Of([.. values.Select(v => v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new RestException(RestCode.PrimaryKeyTypeMismatch, $"primary key '{key.Name}' is VarChar: {v.GetRawText()} is not a string"))]);
    }
}
