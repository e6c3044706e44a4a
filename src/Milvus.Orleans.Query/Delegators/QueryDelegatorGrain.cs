using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Channels;
using Milvus.Orleans.Grains;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Query.Configuration;
using Milvus.Orleans.Query.Search;
using Milvus.Orleans.Query.Segments;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Streaming.Placement;
using Milvus.Orleans.Streaming.Recovery;
using Orleans.Concurrency;

namespace Milvus.Orleans.Query.Delegators;

/// <summary>
/// One shard's reads, on its pchannel's silo. Growing data is read in place from the pchannel's recovery (the
/// silo-level store: no copy); sealed segments are on query nodes. The handoff between the two is seamless: the
/// recovery keeps a sealed segment in memory for this delegator until a query node has loaded it, so every read sees
/// each row exactly once, growing, kept or on a node. Deletes of the whole shard are gathered here and sent on to the
/// nodes incrementally with each request; every read applies them at its own timestamp.
/// </summary>
[ChannelPlacement]
[Reentrant]
internal sealed partial class QueryDelegatorGrain(
    RunningRecoveries running,
    IHistoryStore history,
    IOptions<QueryOptions> options,
    TimeProvider time,
    ILogger<QueryDelegatorGrain> logger) : Grain, IQueryDelegatorGrain
{
    /// <summary>How long a read waits for its shard to apply what its consistency level needs before it is refused (transiently).</summary>
    private static readonly TimeSpan ApplyWait = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan HandOffPeriod = TimeSpan.FromMilliseconds(200);


    /// <summary>Every this many hand-off rounds the catalog is asked whether the collection was dropped.</summary>
    private const int DropCheckRounds = 25;

    private readonly DeleteLog _deletes = new();
    private readonly Dictionary<long, long> _placed = [];
    private readonly Dictionary<long, long> _partitions = [];
    private readonly Dictionary<long, int> _sent = [];
    private readonly Dictionary<long, int> _absorbed = [];
    private readonly HashSet<long> _absorbedSealed = [];
    private readonly HashSet<long> _handingOff = [];
    private ChannelRecovery? _recovery;
    private (ChannelRecovery Recovery, Task Attached)? _attaching;
    private CollectionInfo? _collection;
    private int _rounds;

    private string Key => this.GetPrimaryKeyString();

    private string VChannel => ChannelNames.VChannelOfDelegator(Key);

    private long CollectionId => ChannelNames.ParseVChannel(VChannel).CollectionId;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(HandOffAsync, new GrainTimerCreationOptions(HandOffPeriod, HandOffPeriod) { Interleave = true });
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The query nodes keep the shard's segments: the next activation (or another replica) finds them loaded.
        _recovery?.Unwatch(VChannel, Key);
        _recovery = null;
        return Task.CompletedTask;
    }

    public async Task LoadAsync()
    {
        await AttachAsync().ConfigureAwait(true);
        await Task.WhenAll(_placed.Values.Distinct().Select(n => GrainFactory.GetGrain<IQueryNodeGrain>(n).WaitIndexedAsync(VChannel))).ConfigureAwait(true);
    }

    public async Task<IReadOnlyList<SearchHits>> SearchAsync(SearchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = time.GetTimestamp();
        var (recovery, schema) = await ReadyAsync(request.CollectionId, request.GuaranteeTs).ConfigureAwait(true);
        // One moment for everything: the snapshot, the read timestamp and which segments the nodes answer for. The
        // local search checks the request before anything goes to a node.
        var snapshot = Take(recovery);
        var readTs = (long)snapshot.Applied.Value;
        var local = BlockReads.Search(LocalBlocks(snapshot, schema), request, schema, _deletes, readTs, options.Value.HnswEf);
        var metric = schema.Field(request.VectorField)!.Metric;
        var remote = await Task.WhenAll(ByNode(snapshot).Select(node => OnNodeAsync(
            node.Key,
            node.Value,
            schema,
            (grain, deletes) => grain.SearchAsync(new NodeSearch(VChannel, node.Value, request, readTs, deletes))))).ConfigureAwait(true);
        IReadOnlyList<SearchHits> merged = [.. local.Select((hits, q) => ReadMerge.Hits([hits, .. remote.Select(r => r[q])], metric, request.TopK))];
        QueryMetrics.SearchDuration.Record(time.GetElapsedTime(started).TotalMilliseconds);
        return merged;
    }

    public async Task<QueryResult> QueryAsync(QueryRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = time.GetTimestamp();
        var (recovery, schema) = await ReadyAsync(request.CollectionId, request.GuaranteeTs).ConfigureAwait(true);
        // The local query checks the request before anything goes to a node.
        var snapshot = Take(recovery);
        var readTs = (long)snapshot.Applied.Value;
        var local = BlockReads.Query([.. LocalBlocks(snapshot, schema).Select(b => b.Block)], request, schema, _deletes, readTs);
        var remote = await Task.WhenAll(ByNode(snapshot).Select(node => OnNodeAsync(
            node.Key,
            node.Value,
            schema,
            (grain, deletes) => grain.QueryAsync(new NodeQuery(VChannel, node.Value, request, readTs, deletes))))).ConfigureAwait(true);
        var merged = ReadMerge.Rows([local, .. remote], schema.PrimaryKey.Name, request.Limit);
        QueryMetrics.QueryDuration.Record(time.GetElapsedTime(started).TotalMilliseconds);
        return merged;
    }

    public async Task<ShardStatus> GetStatusAsync()
    {
        var snapshot = Take(await AttachAsync().ConfigureAwait(true));
        return new ShardStatus(
            snapshot.Applied,
            snapshot.Growing.Count,
            snapshot.Growing.Sum(g => g.Batches.Sum(b => (long)b.Rows.RowCount)),
            snapshot.Sealed.Count,
            _placed.GroupBy(p => p.Value).ToDictionary(g => g.Key, g => g.Count()),
            _deletes.Count);
    }

    public async Task ReleaseAsync()
    {
        _recovery?.Unwatch(VChannel, Key);
        _recovery = null;
        await ReleaseNodesAsync().ConfigureAwait(true);
        this.DeactivateOnIdle();
    }

    /// <summary>
    /// Attached to the pchannel's recovery on this silo, the replay done, and the shard applied up to
    /// <paramref name="guarantee"/>: the recovery and the collection's schema.
    /// </summary>
    private async Task<(ChannelRecovery Recovery, CollectionSchema Schema)> ReadyAsync(long collectionId, HybridTimestamp guarantee)
    {
        if (collectionId != CollectionId)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"Shard '{VChannel}' belongs to collection {CollectionId}, not {collectionId}.");
        }

        var recovery = await AttachAsync().ConfigureAwait(true);
        var waited = time.GetTimestamp();
        try
        {
            await recovery.WaitAppliedAsync(guarantee, CancellationToken.None).WaitAsync(ApplyWait, time).ConfigureAwait(true);
        }
        catch (TimeoutException)
        {
            throw new MilvusException(ErrorCode.ChannelNotReady, $"Shard '{VChannel}' has not applied the log up to {guarantee} after {ApplyWait.TotalSeconds:0} s; retry.");
        }

        QueryMetrics.ConsistencyWait.Record(time.GetElapsedTime(waited).TotalMilliseconds);
        return (recovery, _collection!.Schema);
    }

    /// <summary>The pchannel's recovery on this silo, watched, with the shard's sealed segments from history on query nodes.</summary>
    private async Task<ChannelRecovery> AttachAsync()
    {
        var pchannel = ChannelNames.PChannelOf(VChannel);
        var current = running.Find(pchannel);
        if (current is null)
        {
            // The recovery grain starts recovery if this silo owns the pchannel and nothing runs yet.
            await GrainFactory.GetGrain<IRecoveryGrain>(pchannel).GetProgressAsync(VChannel).ConfigureAwait(true);
            current = running.Find(pchannel);
        }

        if (current is null)
        {
            // The pchannel lives elsewhere now: the next call places this grain there.
            this.DeactivateOnIdle();
            throw new MilvusException(ErrorCode.ChannelNotReady, $"Shard '{VChannel}' is not served here any more; retry.");
        }

        if (current == _recovery)
        {
            return current;
        }

        // A failed attach (history unreachable, a node not answering) is tried again by the next call.
        if (_attaching is not { } attaching || attaching.Recovery != current || attaching.Attached.IsFaulted || attaching.Attached.IsCanceled)
        {
            _attaching = attaching = (current, AttachToAsync(current));
        }

        await attaching.Attached.ConfigureAwait(true);
        return current;
    }

    private async Task AttachToAsync(ChannelRecovery recovery)
    {
        recovery.Watch(VChannel, Key);
        _collection = await GrainFactory.GetGrain<ICatalogGrain>(0).GetCollectionAsync(CollectionId).ConfigureAwait(true);
        if (_collection is null || _collection.IsDropped)
        {
            recovery.Unwatch(VChannel, Key);
            throw new MilvusException(ErrorCode.CollectionNotFound, $"Collection {CollectionId} of shard '{VChannel}' does not exist.");
        }

        await recovery.Replayed.ConfigureAwait(true);
        // What history holds of the shard: its deletes known here, its segments on query nodes.
        var sealedSegments = new List<SegmentManifest>();
        await foreach (var manifest in history.ListSegmentsAsync(CollectionId, CancellationToken.None).ConfigureAwait(true))
        {
            if (string.Equals(manifest.VChannel, VChannel, StringComparison.Ordinal))
            {
                sealedSegments.Add(manifest);
            }
        }

        foreach (var manifest in sealedSegments.Where(m => _absorbedSealed.Add(m.SegmentId)))
        {
            var (keys, timestamps) = await history.ReadDeletesAsync(manifest, _collection.Schema.PrimaryKey, CancellationToken.None).ConfigureAwait(true);
            _deletes.Add(keys.Values, timestamps);
        }

        await PlaceAsync([.. sealedSegments.Select(m => new SegmentRef(m.PartitionId, m.SegmentId))]).ConfigureAwait(true);
        _recovery?.Unwatch(VChannel, Key);
        _recovery = recovery;
        LogAttached(logger, Key, sealedSegments.Count, _deletes.Count);
    }

    /// <summary>The shard's data in memory now, its deletes taken into the shard's delete log.</summary>
    private VChannelSnapshot Take(ChannelRecovery recovery)
    {
        var snapshot = recovery.Snapshot(VChannel, Key);
        foreach (var growing in snapshot.Growing)
        {
            // Growing segments only append: take the delete batches not taken yet.
            var taken = _absorbed.GetValueOrDefault(growing.Key.SegmentId);
            for (var i = taken; i < growing.Deletes.Count; i++)
            {
                _deletes.Add(growing.Deletes[i].Keys.Values, growing.Deletes[i].Ts);
            }

            _absorbed[growing.Key.SegmentId] = growing.Deletes.Count;
        }

        foreach (var gone in _absorbed.Keys.Where(id => !snapshot.Growing.Any(g => g.Key.SegmentId == id)).ToArray())
        {
            _absorbed.Remove(gone);
        }

        foreach (var kept in snapshot.Sealed.Where(k => _absorbedSealed.Add(k.Segment.Key.SegmentId)))
        {
            _deletes.Add(kept.Segment.DeletedKeys.Values, kept.Segment.DeleteTimestamps);
        }

        return snapshot;
    }

    private static List<SearchedBlock> LocalBlocks(VChannelSnapshot snapshot, CollectionSchema schema)
    {
        var blocks = new List<SearchedBlock>();
        foreach (var growing in snapshot.Growing)
        {
            blocks.AddRange(growing.Batches.Select(b => new SearchedBlock(RowBlock.Written(schema, b.Rows, b.Ts), null)));
        }

        blocks.AddRange(snapshot.Sealed.Select(k => new SearchedBlock(RowBlock.Sealed(schema, k.Segment.Rows, k.Segment.Timestamps), null)));
        return blocks;
    }

    /// <summary>The segments each query node answers for: those placed, less those this snapshot still holds in memory.</summary>
    private Dictionary<long, long[]> ByNode(VChannelSnapshot snapshot)
    {
        var inMemory = snapshot.Sealed.Select(k => k.Segment.Key.SegmentId).ToHashSet();
        return _placed.Where(p => !inMemory.Contains(p.Key))
            .GroupBy(p => p.Value, p => p.Key)
            .ToDictionary(g => g.Key, g => g.ToArray());
    }

    /// <summary>
    /// Calls a query node with the deletes it has not seen. A node that lost segments or deletes (it moved to another
    /// silo, or was collected) is sent all of them again; a node whose silo died is retried until it answers.
    /// </summary>
    private async Task<T> OnNodeAsync<T>(long node, long[] segmentIds, CollectionSchema schema, Func<IQueryNodeGrain, ShardDeletes, Task<T>> call)
    {
        var grain = GrainFactory.GetGrain<IQueryNodeGrain>(node);
        return await TransientRetry.RunAsync(
            async () =>
            {
                var sent = _sent.GetValueOrDefault(node);
                var (keys, timestamps) = _deletes.Since(sent);
                try
                {
                    var result = await call(grain, new ShardDeletes(Key, sent, keys, timestamps)).ConfigureAwait(true);
                    _sent[node] = Math.Max(_sent.GetValueOrDefault(node), sent + timestamps.Length);
                    return result;
                }
                catch (MilvusException ex) when (ex.Code == ErrorCode.SegmentNotLoaded)
                {
                    LogNodeReload(logger, Key, node, ex.Message);
                    _sent[node] = 0;
                    await grain.LoadAsync(VChannel, schema, [.. segmentIds.Select(id => new SegmentRef(PartitionOf(id), id))]).ConfigureAwait(true);
                    throw new MilvusException(ErrorCode.ChannelNotReady, $"Query node {node} reloaded segments of '{VChannel}'; retry.");
                }
            },
            TimeSpan.FromSeconds(30),
            time,
            CancellationToken.None).ConfigureAwait(true);
    }

    private long PartitionOf(long segmentId) => _partitions[segmentId];

    /// <summary>Loads segments on query nodes, each on the node of this shard holding the fewest, and records where.</summary>
    private async Task PlaceAsync(IReadOnlyList<SegmentRef> segments)
    {
        var nodes = options.Value.Nodes;
        var load = Enumerable.Range(0, nodes).ToDictionary(n => (long)n, n => _placed.Values.Count(p => p == n));
        // Shards start at different nodes, so their first segments do not all land on node 0.
        var offset = (uint)StringComparer.Ordinal.GetHashCode(VChannel) % (uint)nodes;
        var plan = new Dictionary<long, List<SegmentRef>>();
        foreach (var segment in segments.Where(s => !_placed.ContainsKey(s.SegmentId)))
        {
            var node = load.OrderBy(l => l.Value).ThenBy(l => (l.Key - offset + nodes) % nodes).First().Key;
            load[node]++;
            (plan.TryGetValue(node, out var list) ? list : plan[node] = []).Add(segment);
            _partitions[segment.SegmentId] = segment.PartitionId;
        }

        var schema = _collection!.Schema;
        await Task.WhenAll(plan.Select(async p =>
        {
            await TransientRetry.RunAsync(
                async () =>
                {
                    await GrainFactory.GetGrain<IQueryNodeGrain>(p.Key).LoadAsync(VChannel, schema, p.Value).ConfigureAwait(true);
                    return true;
                },
                TimeSpan.FromSeconds(60),
                time,
                CancellationToken.None).ConfigureAwait(true);
            foreach (var segment in p.Value)
            {
                _placed[segment.SegmentId] = p.Key;
            }
        })).ConfigureAwait(true);
    }

    /// <summary>Moves the kept segments history now holds onto query nodes, then lets the recovery drop them.</summary>
    private async Task HandOffAsync(CancellationToken cancellationToken)
    {
        if (_recovery is not { } recovery)
        {
            return;
        }

        if (++_rounds % DropCheckRounds == 0 && await GrainFactory.GetGrain<ICatalogGrain>(0).GetCollectionAsync(CollectionId).ConfigureAwait(true) is null or { IsDropped: true })
        {
            await ReleaseAsync().ConfigureAwait(true);
            return;
        }

        var snapshot = Take(recovery);
        var ready = snapshot.Sealed.Where(k => k.Written && _handingOff.Add(k.Segment.Key.SegmentId)).Select(k => k.Segment.Key).ToArray();
        if (ready.Length == 0)
        {
            return;
        }

        try
        {
            await PlaceAsync([.. ready.Select(k => new SegmentRef(k.PartitionId, k.SegmentId))]).ConfigureAwait(true);
            foreach (var key in ready)
            {
                recovery.Release(VChannel, Key, key.SegmentId);
            }
        }
        catch (Exception ex)
        {
            // Kept in memory and read from there until a later round places it.
            LogHandOffFailed(logger, Key, ready.Length, ex);
        }
        finally
        {
            _handingOff.ExceptWith(ready.Select(k => k.SegmentId));
        }
    }

    /// <summary>Drops the shard's segments from every query node, whichever activation placed them.</summary>
    private async Task ReleaseNodesAsync()
    {
        _placed.Clear();
        _sent.Clear();
        await Task.WhenAll(Enumerable.Range(0, options.Value.Nodes)
            .Select(n => GrainFactory.GetGrain<IQueryNodeGrain>(n).ReleaseAsync(VChannel, null))).ConfigureAwait(true);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delegator {Key}: attached; {Segments} sealed segments in history, {Deletes} deletes")]
    private static partial void LogAttached(ILogger logger, string key, int segments, int deletes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delegator {Key}: query node {Node} is sent its segments and deletes again ({Reason})")]
    private static partial void LogNodeReload(ILogger logger, string key, long node, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delegator {Key}: handing {Count} sealed segments to query nodes failed; they are read from memory meanwhile")]
    private static partial void LogHandOffFailed(ILogger logger, string key, int count, Exception exception);
}
