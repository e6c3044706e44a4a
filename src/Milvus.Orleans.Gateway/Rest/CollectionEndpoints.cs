using System.Globalization;
using System.Text.Json;
using Milvus.Orleans.Client;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Gateway.Rest;

/// <summary><c>collections/*</c>: create (quick setup or a full schema), describe, has, list, drop, rename, load, release, flush, get_stats, get_load_state.</summary>
internal static class CollectionEndpoints
{
    /// <summary>Milvus numbers a collection's fields from 100.</summary>
    private const int FirstFieldId = 100;

    public static void AddTo(Dictionary<string, RestEndpoint> endpoints)
    {
        endpoints["collections/create"] = new(CreateAsync);
        endpoints["collections/describe"] = new(DescribeAsync);
        endpoints["collections/has"] = new(async call =>
        {
            var name = call.Collection;
            return RestReply.Object("has", (await call.Client.ListCollectionsAsync(call.CancellationToken)).Contains(name, StringComparer.Ordinal));
        });
        endpoints["collections/list"] = new(async call => RestReply.Strings(await call.Client.ListCollectionsAsync(call.CancellationToken)));
        endpoints["collections/drop"] = Done((client, name, ct) => client.DropCollectionAsync(name, ct));
        endpoints["collections/load"] = new(LoadAsync);
        endpoints["collections/rename"] = RestEndpoint.Done(call => call.Client.RenameCollectionAsync(call.Collection, call.Body.RequiredString("newCollectionName"), call.CancellationToken));
        endpoints["collections/release"] = Done((client, name, ct) => client.ReleaseCollectionAsync(name, ct));
        endpoints["collections/flush"] = Done((client, name, ct) => client.FlushAsync(name, ct));
        endpoints["collections/get_load_state"] = new(async call =>
        {
            var info = await call.Client.DescribeCollectionAsync(call.Collection, call.CancellationToken);
            PartitionEndpoints.CheckExist(info, call.Body.Strings("partitionNames") ?? []);

            // A collection loads as a whole here: its partitions share its state.
            return new RestReply(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("loadState", LoadState(info));
                if (info.Loaded)
                {
                    writer.WriteNumber("loadProgress", 100);
                }

                writer.WriteEndObject();
            });
        });
        endpoints["collections/get_stats"] = new(async call =>
            RestReply.Object("rowCount", await call.Client.CountAsync(call.Collection, consistency: Query.ConsistencyLevel.Strong, cancellationToken: call.CancellationToken)));
    }

    /// <summary>An endpoint that does <paramref name="action"/> to the collection it names and answers <c>{}</c>.</summary>
    private static RestEndpoint Done(Func<MilvusClient, string, CancellationToken, Task> action) =>
        RestEndpoint.Done(call => action(call.Client, call.Collection, call.CancellationToken));

    /// <summary>Loads a collection whose vector fields are all indexed; as Milvus, one with a field not indexed is refused.</summary>
    public static async Task<RestReply> LoadAsync(RestCall call)
    {
        var name = call.Collection;
        var info = await call.Client.DescribeCollectionAsync(name, call.CancellationToken);
        if (info.Schema.Fields.FirstOrDefault(f => f.Type == DataType.FloatVector && f.Index is null) is { } bare)
        {
            throw new RestException(RestCode.IndexNotFound, $"index not found[collection={name}]: vector field '{bare.Name}' has no index; create one first");
        }

        await call.Client.LoadCollectionAsync(name, call.CancellationToken);
        return RestReply.Empty;
    }

    /// <summary>
    /// Quick setup (<c>dimension</c> given: a primary key and a vector field, indexed and loaded) or a full
    /// <c>schema</c> (loaded when <c>indexParams</c> are given), as Milvus.
    /// </summary>
    private static async Task<RestReply> CreateAsync(RestCall call)
    {
        var body = call.Body;
        var name = call.Collection;
        var parameters = body.Object("params");
        var shards = parameters?.Int("shardsNum", 1, 1, CollectionSchema.MaxShards) ?? 1;
        RefuseNotSupported(parameters);
        var description = body.String("description") ?? "";
        CollectionSchema schema;
        bool load;
        if (body.Object("schema") is { } full)
        {
            schema = FullSchema(name, full, body.Objects("indexParams") ?? [], shards, description);
            load = body.Has("indexParams");
        }
        else
        {
            schema = QuickSchema(name, body, parameters, shards, description);
            load = true;
        }

        schema = schema with { TtlSeconds = parameters?.Int("ttlSeconds", 0, 0, CollectionSchema.MaxTtlSeconds) ?? 0 };

        try
        {
            await call.Client.CreateCollectionAsync(schema, call.CancellationToken);
        }
        catch (MilvusException ex) when (ex.Code == ErrorCode.CollectionAlreadyExists)
        {
            // As Milvus: creating what exists, with the same schema, succeeds; with another, it is refused.
            var existing = (await call.Client.DescribeCollectionAsync(name, call.CancellationToken)).Schema;
            if (!SameSchema(existing, schema))
            {
                throw RestException.Invalid($"collection '{name}' exists already with another schema; drop it first or choose another name");
            }
        }

        if (load)
        {
            await call.Client.LoadCollectionAsync(name, call.CancellationToken);
        }

        return RestReply.Empty;
    }

    private static bool SameSchema(CollectionSchema a, CollectionSchema b) =>
        a.Fields.SequenceEqual(b.Fields) && a.ShardCount == b.ShardCount && a.EnableDynamicField == b.EnableDynamicField && a.Description == b.Description
        && a.TtlSeconds == b.TtlSeconds;

    private static CollectionSchema QuickSchema(string name, RestBody body, RestBody? parameters, int shards, string description)
    {
        if (!body.Has("dimension"))
        {
            throw RestException.Missing("dimension");
        }

        var dimension = body.Int("dimension", 0, 1, FieldSchema.MaxDimension);
        var metric = RestNames.Metric(body.String("metricType") ?? "COSINE", "metricType");
        var keyName = body.String("primaryFieldName") ?? "id";
        var vectorName = body.String("vectorFieldName") ?? "vector";
        var key = (body.String("idType") ?? "Int64") switch
        {
            "Int64" => FieldSchema.Int64Key(keyName, body.Bool("autoID", false)),
            "VarChar" when body.Bool("autoID", false) => throw RestException.Invalid("autoID needs an Int64 primary key, not VarChar"),
            "VarChar" => FieldSchema.VarCharKey(keyName, parameters?.Int("max_length", FieldSchema.MaxVarCharLength, 1, FieldSchema.MaxVarCharLength) ?? FieldSchema.MaxVarCharLength),
            var other => throw RestException.Invalid($"'idType' is '{other}': expected Int64 or VarChar"),
        };
        return CollectionSchema.Of(
            name, [key, FieldSchema.FloatVector(vectorName, dimension, metric, new VectorIndex(vectorName))], shards, parameters?.Bool("enableDynamicField", true) ?? true, description);
    }

    private static CollectionSchema FullSchema(string name, RestBody schema, IReadOnlyList<RestBody> indexes, int shards, string description)
    {
        var indexed = new Dictionary<string, (VectorIndex Index, MetricType Metric)>(StringComparer.Ordinal);
        foreach (var (field, index, metric) in indexes.Select(IndexEndpoints.Parse))
        {
            if (!indexed.TryAdd(field, (index, metric)))
            {
                throw RestException.Invalid($"indexParams index field '{field}' twice: a field has one index");
            }
        }

        var autoId = schema.Bool("autoID", false);
        var fields = schema.Objects("fields") ?? throw RestException.Missing(schema.Name("fields"));
        var declared = fields.Select(field => Field(field, autoId, indexed)).ToList();
        foreach (var unknown in indexed.Keys.Where(f => !declared.Any(d => d.Name == f && d.Type == DataType.FloatVector)))
        {
            throw RestException.Invalid($"indexParams name field '{unknown}', which is not a FloatVector field of the schema");
        }

        return CollectionSchema.Of(name, declared, shards, schema.Bool("enableDynamicField", false), description);
    }

    private static FieldSchema Field(RestBody field, bool autoId, Dictionary<string, (VectorIndex Index, MetricType Metric)> indexed)
    {
        var name = field.RequiredString("fieldName");
        var type = RestNames.Type(field.RequiredString("dataType"), field.Name("dataType"));
        if (field.Bool("isPartitionKey", false) || field.Bool("nullable", false) || field.Has("defaultValue") || field.Has("isClusteringKey"))
        {
            throw RestException.Invalid($"field '{name}': partition keys, clustering keys, nullable fields and default values are not supported yet");
        }

        var typeParams = field.Object("elementTypeParams");
        var primary = field.Bool("isPrimary", false);
        return type switch
        {
            DataType.FloatVector => FieldSchema.FloatVector(
                name,
                typeParams?.Has("dim") == true ? typeParams.Int("dim", 0, 1, FieldSchema.MaxDimension) : throw RestException.Missing(field.Name("elementTypeParams.dim")),
                indexed.TryGetValue(name, out var index) ? index.Metric : MetricType.Cosine,
                index.Index),
            DataType.VarChar => new FieldSchema(
                name,
                type,
                IsPrimaryKey: primary,
                MaxLength: typeParams?.Has("max_length") == true ? typeParams.Int("max_length", 0, 1, FieldSchema.MaxVarCharLength) : throw RestException.Missing(field.Name("elementTypeParams.max_length"))),
            _ => new FieldSchema(name, type, IsPrimaryKey: primary, AutoId: primary && autoId && type == DataType.Int64),
        };
    }

    /// <summary>Collection parameters whose behaviour the service does not have yet: refused rather than ignored.</summary>
    private static void RefuseNotSupported(RestBody? parameters)
    {
        if (parameters is null)
        {
            return;
        }

        if (parameters.String("consistencyLevel") is { } level && !string.Equals(level, "Bounded", StringComparison.OrdinalIgnoreCase))
        {
            RestNames.Consistency(level, parameters.Name("consistencyLevel"));
            throw RestException.Invalid($"a collection's default consistency level is Bounded here; '{level}' is not supported yet (ask for it per read)");
        }

        foreach (var name in (string[])["partitionsNum", "partitionKeyIsolation"])
        {
            if (parameters.Has(name))
            {
                throw RestException.Invalid($"'{parameters.Name(name)}' is not supported yet");
            }
        }
    }

    private static async Task<RestReply> DescribeAsync(RestCall call)
    {
        var info = await call.Client.DescribeCollectionAsync(call.Collection, call.CancellationToken);
        var schema = info.Schema;
        return new RestReply(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("collectionName", schema.Name);
            writer.WriteNumber("collectionID", info.Id);
            writer.WriteString("description", schema.Description);
            writer.WriteBoolean("autoId", schema.PrimaryKey.AutoId);
            writer.WriteStartArray("fields");
            var id = FirstFieldId;
            foreach (var field in schema.DeclaredFields)
            {
                WriteField(writer, field, id++);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("indexes");
            foreach (var field in schema.DeclaredFields.Where(f => f.Index is not null))
            {
                writer.WriteStartObject();
                writer.WriteString("indexName", field.Index!.Name);
                writer.WriteString("fieldName", field.Name);
                writer.WriteString("metricType", RestNames.Of(field.Metric));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteString("load", LoadState(info));
            writer.WriteNumber("shardsNum", schema.ShardCount);
            writer.WriteNumber("partitionsNum", info.Partitions.Count);
            writer.WriteString("consistencyLevel", "Bounded");
            writer.WriteBoolean("enableDynamicField", schema.EnableDynamicField);
            writer.WriteStartArray("properties");
            if (schema.TtlSeconds > 0)
            {
                writer.WriteStartObject();
                writer.WriteString("key", "collection.ttl.seconds");
                writer.WriteString("value", schema.TtlSeconds.ToString(CultureInfo.InvariantCulture));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("aliases");
            foreach (var alias in info.Aliases ?? [])
            {
                writer.WriteStringValue(alias);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    private static string LoadState(CollectionInfo info) => info.Loaded ? "LoadStateLoaded" : "LoadStateNotLoad";

    private static void WriteField(Utf8JsonWriter writer, FieldSchema field, int id)
    {
        writer.WriteStartObject();
        writer.WriteString("name", field.Name);
        writer.WriteNumber("id", id);
        writer.WriteString("type", RestNames.Of(field.Type));
        writer.WriteBoolean("primaryKey", field.IsPrimaryKey);
        writer.WriteBoolean("partitionKey", false);
        writer.WriteBoolean("autoId", field.AutoId);
        writer.WriteString("description", "");
        writer.WriteStartArray("params");
        if (field.Type == DataType.FloatVector)
        {
            WriteParam(writer, "dim", field.Dimension);
        }
        else if (field.Type == DataType.VarChar)
        {
            WriteParam(writer, "max_length", field.MaxLength);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteParam(Utf8JsonWriter writer, string key, int value)
    {
        writer.WriteStartObject();
        writer.WriteString("key", key);
        writer.WriteString("value", value.ToString(CultureInfo.InvariantCulture));
        writer.WriteEndObject();
    }
}
