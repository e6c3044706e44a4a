using System.Diagnostics;
using System.Globalization;
using Milvus.Orleans.Channels;
using Milvus.Orleans.Data;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Query;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Client;

/// <summary>Options of <see cref="MilvusClient.SearchAsync"/>.</summary>
/// <param name="Filter">A filter expression hits must match (Milvus' boolean expression syntax), or null.</param>
/// <param name="OutputFields">Fields returned with each hit besides the primary key.</param>
/// <param name="Consistency">Which writes the search must see; Milvus' default, <see cref="ConsistencyLevel.Bounded"/>.</param>
/// <param name="VectorField">The vector field searched; needed only when the collection has several.</param>
/// <param name="Ef">HNSW breadth of search (larger: better recall, slower); 0 for the service's default.</param>
/// <param name="Exact">Score every row instead of walking HNSW graphs: exact, and slower on large segments.</param>
/// <param name="Partitions">Only rows of these partitions; null for every partition.</param>
/// <param name="AsOf">
/// Search the collection as it was at this timestamp (a write's <see cref="WriteResult"/> timestamp, say), within
/// <c>Milvus:History:RetentionHours</c> of now: the answer a Strong search returned then. The consistency level does
/// not apply.
/// </param>
public sealed record SearchParameters(
    string? Filter = null,
    IReadOnlyList<string>? OutputFields = null,
    ConsistencyLevel Consistency = ConsistencyLevel.Bounded,
    string? VectorField = null,
    int Ef = 0,
    bool Exact = false,
    IReadOnlyList<string>? Partitions = null,
    HybridTimestamp? AsOf = null);

/// <summary>Options of <see cref="MilvusClient.QueryAsync"/>.</summary>
/// <param name="OutputFields">Fields returned besides the primary key.</param>
/// <param name="Limit">The most rows returned (offset + limit ≤ <see cref="QueryRequest.MaxRows"/>).</param>
/// <param name="Offset">Rows skipped first, in primary key order.</param>
/// <param name="Consistency">Which writes the query must see.</param>
/// <param name="Partitions">Only rows of these partitions; null for every partition.</param>
/// <param name="AsOf">Query the collection as it was at this timestamp (see <see cref="SearchParameters.AsOf"/>).</param>
public sealed record QueryParameters(
    IReadOnlyList<string>? OutputFields = null,
    int Limit = 100,
    int Offset = 0,
    ConsistencyLevel Consistency = ConsistencyLevel.Bounded,
    IReadOnlyList<string>? Partitions = null,
    HybridTimestamp? AsOf = null);

/// <summary>Reads: vector search, scalar queries, lookups by primary key and counts.</summary>
public sealed partial class MilvusClient
{
    /// <summary>How stale a <see cref="ConsistencyLevel.Bounded"/> read may be, as Milvus.</summary>
    public static readonly TimeSpan BoundedStaleness = TimeSpan.FromSeconds(5);

    /// <summary>Spans of the SDK's reads, parents of the grain calls they make (exported by the service defaults).</summary>
    private static readonly ActivitySource Telemetry = new(TelemetrySourceName);

    /// <summary>The name of the SDK's trace source (spans of searches, queries and their grain calls).</summary>
    public const string TelemetrySourceName = "Milvus.Orleans";

    /// <summary>The output field of a count, as Milvus names it.</summary>
    private const string CountField = "count(*)";

    private readonly SearchBatches _searches = new();

    private ulong _lastWrite;

    /// <summary>
    /// Loads a collection for reads, as Milvus' <c>load_collection</c>: every replica of every shard's delegator starts,
    /// and its sealed segments are loaded on query nodes with their HNSW graphs (built now if history has none). Reads
    /// load what they need themselves; this only moves the wait before the first read. The collection keeps the
    /// replicas it was last loaded with (one at first).
    /// </summary>
    public async Task LoadCollectionAsync(string collection, CancellationToken cancellationToken = default)
    {
        await OnEveryDelegatorAsync(await CollectionAsync(collection, cancellationToken).ConfigureAwait(false), delegator => delegator.LoadAsync(), cancellationToken).ConfigureAwait(false);
        await SetLoadedAsync(collection, loaded: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Loads a collection with <paramref name="replicas"/> read replicas (1 to <see cref="CollectionInfo.MaxReplicas"/>),
    /// as Milvus' <c>replica_number</c>: each shard gets that many delegators, the first on its pchannel's silo and the
    /// others on other silos, each reading the shard's log itself, with their sealed segments on query nodes of
    /// different silos. Reads are spread over the replicas, and go on from the others while one's silo is gone.
    /// Replicas dropped by a lower number are released.
    /// </summary>
    public async Task LoadCollectionAsync(string collection, int replicas, CancellationToken cancellationToken = default)
    {
        var before = await CollectionAsync(collection, cancellationToken).ConfigureAwait(false);
        var info = await RetryAsync(() => Catalog.SetReplicasAsync(collection, replicas), cancellationToken).ConfigureAwait(false);
        Remember(collection, info);
        await OnEveryDelegatorAsync(info, delegator => delegator.LoadAsync(), cancellationToken).ConfigureAwait(false);
        await OnDelegatorsAsync(info, Enumerable.Range(info.Replicas, Math.Max(0, before.Replicas - info.Replicas)), delegator => delegator.ReleaseAsync(), cancellationToken).ConfigureAwait(false);
        await SetLoadedAsync(collection, loaded: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Releases a collection, as Milvus' <c>release_collection</c>: its sealed segments leave the query nodes and its
    /// delegators stop. The next read loads it again.
    /// </summary>
    public async Task ReleaseCollectionAsync(string collection, CancellationToken cancellationToken = default)
    {
        var info = await CollectionAsync(collection, cancellationToken).ConfigureAwait(false);
        await OnEveryDelegatorAsync(info, delegator => delegator.ReleaseAsync(), cancellationToken).ConfigureAwait(false);
        await SetLoadedAsync(collection, loaded: false, cancellationToken).ConfigureAwait(false);
    }

    private async Task SetLoadedAsync(string collection, bool loaded, CancellationToken cancellationToken) =>
        Remember(collection, await RetryAsync(() => Catalog.SetLoadedAsync(collection, loaded), cancellationToken, idempotent: true).ConfigureAwait(false));

    /// <summary>
    /// The <paramref name="topK"/> rows nearest each of <paramref name="vectors"/> under the vector field's metric,
    /// best first, with their scores (L2: squared distance; IP: inner product; COSINE: cosine similarity), over
    /// every shard of the collection: growing data and sealed segments, deletes applied at the read's timestamp.
    /// </summary>
    public async Task<IReadOnlyList<SearchHits>> SearchAsync(
        string collection, IReadOnlyList<float[]> vectors, int topK, SearchParameters? parameters = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        parameters ??= new SearchParameters();
        using var activity = Telemetry.StartActivity($"search {collection}", ActivityKind.Client);
        activity?.SetTag("milvus.collection", collection);
        activity?.SetTag("milvus.queries", vectors.Count);
        activity?.SetTag("milvus.top_k", topK);
        SearchRequest.CheckCounts(vectors.Count, topK, parameters.OutputFields?.Count ?? 0);
        var info = await CollectionAsync(collection, cancellationToken).ConfigureAwait(false);
        var field = VectorField(info.Schema, parameters.VectorField);
        if (vectors.Any(v => v is null || v.Length != field.Dimension))
        {
            throw new MilvusException(
                ErrorCode.DimensionMismatch,
                $"Collection '{collection}': search with at least one vector of {field.Dimension} values for field '{field.Name}'.");
        }

        var partitions = await PartitionIdsAsync(info, parameters.Partitions, cancellationToken).ConfigureAwait(false);
        var guarantee = parameters.AsOf ?? await GuaranteeAsync(parameters.Consistency, cancellationToken).ConfigureAwait(false);
        float[] values = [.. vectors.SelectMany(v => v)];
        // Not cancelled by this caller: the request may carry other callers' searches (see SearchBatches).
        async Task<IReadOnlyList<SearchHits>> SendAsync(float[] batch, HybridTimestamp at)
        {
            var request = new SearchRequest(info.Id, field.Name, batch, topK, parameters.Filter, parameters.OutputFields ?? [], at, parameters.Ef, parameters.Exact, partitions, parameters.AsOf ?? default);
            var shards = await Task.WhenAll(info.VChannels.Select(vchannel =>
                OnShardAsync(info, vchannel, delegator => delegator.SearchAsync(request), CancellationToken.None))).ConfigureAwait(false);
            return [.. Enumerable.Range(0, batch.Length / field.Dimension).Select(q => ReadMerge.Hits([.. shards.Select(s => s[q])], field.Metric, topK))];
        }

        if (!values.All(float.IsFinite) || parameters.AsOf is not null)
        {
            // Alone, so that the service's error names this caller's vector, or the read is at its own timestamp.
            return await SendAsync(values, guarantee).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var shape = new SearchShape(
            info.Id, field.Name, topK, parameters.Filter, string.Join('\n', parameters.OutputFields ?? []), parameters.Consistency, parameters.Ef, parameters.Exact,
            RequestContext.Get(CallerIdentity.TokenKey) as string, partitions is null ? null : string.Join(',', partitions));
        return await _searches.SearchAsync(shape, values, vectors.Count, guarantee, SendAsync, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The rows matching <paramref name="filter"/> (all rows when null), in primary key order, from
    /// <see cref="QueryParameters.Offset"/> on, at most <see cref="QueryParameters.Limit"/>. With output fields
    /// <c>["count(*)"]</c>, as in Milvus, one row with how many rows match.
    /// </summary>
    public async Task<RowBatch> QueryAsync(string collection, string? filter, QueryParameters? parameters = null, CancellationToken cancellationToken = default)
    {
        parameters ??= new QueryParameters();
        using var activity = Telemetry.StartActivity($"query {collection}", ActivityKind.Client);
        activity?.SetTag("milvus.collection", collection);
        if (parameters.Offset < 0 || parameters.Limit < 0 || (long)parameters.Offset + parameters.Limit > QueryRequest.MaxRows)
        {
            throw new MilvusException(
                ErrorCode.InvalidArgument,
                $"offset {parameters.Offset} and limit {parameters.Limit}: both at least 0, and together at most {QueryRequest.MaxRows}.");
        }

        QueryRequest.CheckOutputFields(parameters.OutputFields?.Count ?? 0);

        var info = await CollectionAsync(collection, cancellationToken).ConfigureAwait(false);
        if (parameters.OutputFields is [CountField])
        {
            // Milvus' query(filter, output_fields=["count(*)"]): one row, one column.
            return new RowBatch([FieldColumn.Int64(CountField, [await CountAsync(collection, filter, parameters.Consistency, parameters.Partitions, parameters.AsOf, cancellationToken).ConfigureAwait(false)])]);
        }

        var request = new QueryRequest(
            info.Id, filter, parameters.OutputFields ?? [], parameters.Offset + parameters.Limit, parameters.AsOf ?? await GuaranteeAsync(parameters.Consistency, cancellationToken).ConfigureAwait(false),
            PartitionIds: await PartitionIdsAsync(info, parameters.Partitions, cancellationToken).ConfigureAwait(false),
            AsOf: parameters.AsOf ?? default);
        var result = await QueryShardsAsync(info, info.VChannels, request, cancellationToken).ConfigureAwait(false);
        return result.Rows.Slice(Math.Min(parameters.Offset, result.Rows.RowCount), Math.Max(0, result.Rows.RowCount - parameters.Offset));
    }

    /// <summary>
    /// The rows with primary keys <paramref name="keys"/> (those that exist, in <paramref name="partitions"/> when given),
    /// in primary key order.
    /// </summary>
    public async Task<RowBatch> GetAsync(
        string collection,
        PrimaryKeys keys,
        IReadOnlyList<string>? outputFields = null,
        ConsistencyLevel consistency = ConsistencyLevel.Strong,
        IReadOnlyList<string>? partitions = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var info = await CollectionAsync(collection, cancellationToken).ConfigureAwait(false);
        keys.Validate(info.Schema);
        if (keys.Count > QueryRequest.MaxRows)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"Get at most {QueryRequest.MaxRows} keys per call, not {keys.Count}.");
        }

        QueryRequest.CheckOutputFields(outputFields?.Count ?? 0);
        var partitionIds = await PartitionIdsAsync(info, partitions, cancellationToken).ConfigureAwait(false);

        var guarantee = await GuaranteeAsync(consistency, cancellationToken).ConfigureAwait(false);
        var shardOf = ShardRouter.ShardsOf(keys.Values, info.VChannels.Count);
        var byShard = Enumerable.Range(0, keys.Count).GroupBy(i => shardOf[i]).ToArray();
        var results = await Task.WhenAll(byShard.Select(g =>
        {
            var request = new QueryRequest(info.Id, null, outputFields ?? [], QueryRequest.MaxRows, guarantee, Keys: keys.Select([.. g]), PartitionIds: partitionIds);
            return OnShardAsync(info, info.VChannels[g.Key], delegator => delegator.QueryAsync(request), cancellationToken);
        })).ConfigureAwait(false);
        return ReadMerge.Rows(results, info.Schema.PrimaryKey.Name, QueryRequest.MaxRows).Rows;
    }

    /// <summary>
    /// How many rows match <paramref name="filter"/> (all rows when null), in <paramref name="partitions"/> when given:
    /// Milvus' <c>count(*)</c>; as the collection was at <paramref name="asOf"/> when given (see <see cref="SearchParameters.AsOf"/>).
    /// </summary>
    public async Task<long> CountAsync(
        string collection,
        string? filter = null,
        ConsistencyLevel consistency = ConsistencyLevel.Bounded,
        IReadOnlyList<string>? partitions = null,
        HybridTimestamp? asOf = null,
        CancellationToken cancellationToken = default)
    {
        var info = await CollectionAsync(collection, cancellationToken).ConfigureAwait(false);
        var request = new QueryRequest(
            info.Id, filter, [], 0, asOf ?? await GuaranteeAsync(consistency, cancellationToken).ConfigureAwait(false), CountOnly: true,
            PartitionIds: await PartitionIdsAsync(info, partitions, cancellationToken).ConfigureAwait(false), AsOf: asOf ?? default);
        return (await QueryShardsAsync(info, info.VChannels, request, cancellationToken).ConfigureAwait(false)).Count;
    }

    /// <summary>
    /// The ids of the partitions named, or null (every partition) when none are. A name the cached description lacks is
    /// looked up afresh (another client may have created it); still unknown, it is <see cref="ErrorCode.PartitionNotFound"/>.
    /// </summary>
    private async Task<long[]?> PartitionIdsAsync(CollectionInfo info, IReadOnlyList<string>? partitions, CancellationToken cancellationToken)
    {
        if (partitions is null)
        {
            return null;
        }

        if (!partitions.All(info.HasPartition))
        {
            info = await DescribeCollectionAsync(info.Name, cancellationToken).ConfigureAwait(false);
        }

        return [.. partitions
            .Select(p => info.PartitionId(p) ?? throw new MilvusException(ErrorCode.PartitionNotFound, $"Collection '{info.Name}' has no partition '{p}'."))
            .Distinct()];
    }

    /// <summary>
    /// What each shard of a collection serves to reads now (index = shard), as replica <paramref name="replica"/> sees
    /// it: growing data, sealed segments by query node, deletes, and where it runs.
    /// </summary>
    public async Task<IReadOnlyList<ShardStatus>> GetShardStatusAsync(string collection, int replica = 0, CancellationToken cancellationToken = default)
    {
        var info = await CollectionAsync(collection, cancellationToken).ConfigureAwait(false);
        if (replica < 0 || replica >= info.Replicas)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"Collection '{collection}' has replicas 0..{info.Replicas - 1}, not {replica}.");
        }

        return await Task.WhenAll(info.VChannels.Select(vchannel => RetryAsync(
            () => cluster.GetGrain<IQueryDelegatorGrain>(ChannelNames.Delegator(vchannel, replica)).GetStatusAsync(), cancellationToken, idempotent: true))).ConfigureAwait(false);
    }

    /// <summary>Calls every delegator of a collection: each replica of each shard.</summary>
    private Task OnEveryDelegatorAsync(CollectionInfo info, Func<IQueryDelegatorGrain, Task> call, CancellationToken cancellationToken) =>
        OnDelegatorsAsync(info, Enumerable.Range(0, info.Replicas), call, cancellationToken);

    /// <summary>Calls the delegators of <paramref name="replicas"/> of each shard of a collection.</summary>
    private async Task OnDelegatorsAsync(CollectionInfo info, IEnumerable<int> replicas, Func<IQueryDelegatorGrain, Task> call, CancellationToken cancellationToken)
    {
        await Task.WhenAll(info.VChannels.SelectMany(vchannel => replicas.Select(replica =>
            RetryAsync(
                async () =>
                {
                    await call(cluster.GetGrain<IQueryDelegatorGrain>(ChannelNames.Delegator(vchannel, replica))).ConfigureAwait(false);
                    return true;
                },
                cancellationToken)))).ConfigureAwait(false);
    }

    /// <summary>Notes a write's timestamp for <see cref="ConsistencyLevel.Session"/> reads, and returns the result.</summary>
    internal WriteResult Wrote(WriteResult result)
    {
        var ts = result.Ts.Value;
        for (var seen = Interlocked.Read(ref _lastWrite); ts > seen; seen = Interlocked.Read(ref _lastWrite))
        {
            if (Interlocked.CompareExchange(ref _lastWrite, ts, seen) == seen)
            {
                break;
            }
        }

        return result;
    }

    /// <summary>
    /// The keys of every row matching <paramref name="expression"/> now (in <paramref name="partitions"/> when given),
    /// page by page in primary key order.
    /// </summary>
    private async Task<PrimaryKeys> MatchingKeysAsync(CollectionInfo info, string expression, IReadOnlyList<long>? partitions, CancellationToken cancellationToken)
    {
        var key = info.Schema.PrimaryKey;
        var guarantee = await GuaranteeAsync(ConsistencyLevel.Strong, cancellationToken).ConfigureAwait(false);
        var longs = new List<long>();
        var strings = new List<string>();
        var after = string.Empty;
        while (true)
        {
            var request = new QueryRequest(
                info.Id, after.Length == 0 ? expression : $"({expression}) and {key.Name} > {after}", [], QueryRequest.MaxRows, guarantee, PartitionIds: partitions);
            var page = (await QueryShardsAsync(info, info.VChannels, request, cancellationToken).ConfigureAwait(false)).Rows.Column(key.Name)!.Values;
            switch (page)
            {
                case long[] { Length: > 0 } pageLongs:
                    longs.AddRange(pageLongs);
                    after = pageLongs[^1].ToString(CultureInfo.InvariantCulture);
                    break;
                case string[] { Length: > 0 } pageStrings:
                    strings.AddRange(pageStrings);
                    after = Quoted(pageStrings[^1]);
                    break;
            }

            if (page.Length < QueryRequest.MaxRows)
            {
                return key.Type == DataType.Int64 ? PrimaryKeys.Of([.. longs]) : PrimaryKeys.Of([.. strings]);
            }
        }
    }

    private async Task<QueryResult> QueryShardsAsync(CollectionInfo info, IEnumerable<string> vchannels, QueryRequest request, CancellationToken cancellationToken)
    {
        var shards = await Task.WhenAll(vchannels.Select(vchannel =>
            OnShardAsync(info, vchannel, delegator => delegator.QueryAsync(request), cancellationToken))).ConfigureAwait(false);
        return ReadMerge.Rows(shards, info.Schema.PrimaryKey.Name, request.Limit);
    }

    /// <summary>The timestamp a read at <paramref name="consistency"/> must see everything up to.</summary>
    private async Task<HybridTimestamp> GuaranteeAsync(ConsistencyLevel consistency, CancellationToken cancellationToken) => consistency switch
    {
        ConsistencyLevel.Strong => await AllocateTimestampAsync(cancellationToken).ConfigureAwait(false),
        ConsistencyLevel.Session => new HybridTimestamp(Interlocked.Read(ref _lastWrite)),
        ConsistencyLevel.Bounded => HybridTimestamp.Compose((_time.GetUtcNow() - BoundedStaleness).ToUnixTimeMilliseconds(), 0),
        ConsistencyLevel.Eventually => default,
        _ => throw new MilvusException(ErrorCode.InvalidArgument, $"Consistency level {(int)consistency} is not one of Strong, Bounded, Session, Eventually."),
    };

    /// <summary>
    /// A read of one shard, from a replica picked at random; each attempt after a failure asks the next replica, so a
    /// read goes on from another one while a replica's silo is gone.
    /// </summary>
    private Task<T> OnShardAsync<T>(CollectionInfo info, string vchannel, Func<IQueryDelegatorGrain, Task<T>> read, CancellationToken cancellationToken)
    {
        var replica = info.Replicas == 1 ? 0 : Random.Shared.Next(info.Replicas);
        return RetryAsync(() => read(cluster.GetGrain<IQueryDelegatorGrain>(ChannelNames.Delegator(vchannel, replica++ % info.Replicas))), cancellationToken, idempotent: true);
    }

    private static FieldSchema VectorField(CollectionSchema schema, string? name)
    {
        var vectors = schema.Fields.Where(f => f.Type == DataType.FloatVector).ToArray();
        return name is null
            ? vectors.Length == 1 ? vectors[0] : throw new MilvusException(
                ErrorCode.InvalidArgument,
                $"Collection '{schema.Name}' has {vectors.Length} vector fields ({string.Join(", ", vectors.Select(v => v.Name))}): name the one to search.")
            : vectors.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.Ordinal)) ?? throw new MilvusException(
                ErrorCode.FieldMismatch, $"Collection '{schema.Name}' has no vector field '{name}'.");
    }

    /// <summary>A string literal of the expression syntax.</summary>
    private static string Quoted(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
