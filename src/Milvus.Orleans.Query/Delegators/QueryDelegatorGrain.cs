using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Channels;
using Milvus.Orleans.Grains;
using Milvus.Orleans.History.Checkpoints;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Query.Configuration;
using Milvus.Orleans.Query.Nodes;
using Milvus.Orleans.Query.Search;
using Milvus.Orleans.Query.Segments;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Streaming.Configuration;
using Milvus.Orleans.Streaming.Placement;
using Milvus.Orleans.Streaming.Reads;
using Milvus.Orleans.Wal;
using Orleans.Concurrency;

namespace Milvus.Orleans.Query.Delegators;

/// <summary>
/// One replica of one shard's reads. The first replica sits on its pchannel's silo and reads growing data in place
/// from the pchannel's recovery (the silo-level store: no copy); the recovery keeps a sealed segment in memory for
/// it until a query node has loaded it. Other replicas sit on other silos and follow the log in storage themselves
/// (<see cref="IShardReads.Follow"/>), dropping rows from memory once history's segments of them are on query nodes.
/// Either way every read sees each row exactly once, in memory or on a node. Deletes of the whole shard are gathered
/// here and sent on to the nodes incrementally with each request; every read applies them at its own timestamp.
/// </summary>
[ChannelPlacement]
[Reentrant]
internal sealed partial class QueryDelegatorGrain(
    IShardReads reads,
    IHistoryStore history,
    ICheckpointStore checkpoints,
    IOptions<WalOptions> wal,
    IOptions<QueryOptions> options,
    IOptions<HistoryOptions> retention,
    ILocalSiloDetails silo,
    TimeProvider time,
    ILogger<QueryDelegatorGrain> logger) : Grain, IQueryDelegatorGrain
{
    /// <summary>How long a read waits for its shard to apply what its consistency level needs before it is refused (transiently).</summary>
    private static readonly TimeSpan ApplyWait = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan HandOffPeriod = TimeSpan.FromMilliseconds(200);


    /// <summary>Every this many hand-off rounds the catalog is asked whether the collection was dropped (or its replicas changed).</summary>
    private const int DropCheckRounds = 25;

    /// <summary>Every this many hand-off rounds a follower looks for a new checkpoint (history wrote segments).</summary>
    private const int CheckpointRounds = 5;

    /// <summary>Every this many hand-off rounds a follower lists history even if the checkpoint did not change.</summary>
    private const int ListRounds = 50;

    /// <summary>Every this many hand-off rounds the collection's compaction is asked whether it swapped segments in.</summary>
    private const int CompactionRounds = 10;

    /// <summary>
    /// Most segments one load call hands a node: a node loads a call's segments at once, and a thousand small ones in
    /// one call can outlast the response timeout on a busy silo.
    /// </summary>
    private const int LoadBatch = 64;

    private readonly DeleteLog _deletes = new();
    private readonly Dictionary<long, long> _placed = [];
    private readonly Dictionary<long, long> _partitions = [];
    private readonly Dictionary<long, int> _sent = [];
    private readonly Dictionary<long, int> _absorbed = [];
    private readonly HashSet<long> _absorbedSealed = [];
    private readonly HashSet<long> _handingOff = [];
    private readonly Dictionary<long, int> _readsByEpoch = [];
    private readonly List<(long Epoch, long[] SegmentIds)> _retired = [];
    private long _epoch;
    private string? _compactionVersion;
    private IRecoveredChannel? _recovery;
    private (IRecoveredChannel Recovery, Task Attached)? _attaching;
    private IFollowedShard? _follower;
    private Task<IFollowedShard>? _following;
    private long _followerDeletes;
    private PChannelCheckpoint? _followedCheckpoint;
    private CollectionInfo? _collection;
    private int _rounds;

    private string Key => this.GetPrimaryKeyString();

    private string VChannel => ChannelNames.VChannelOfDelegator(Key);

    private long CollectionId => ChannelNames.ParseVChannel(VChannel).CollectionId;

    private int Replica => ChannelNames.ReplicaOfDelegator(Key) ?? 0;

    /// <summary>Whether this replica reads the log from storage when its silo does not own the pchannel (without the WAL, the log is only in its owner's memory).</summary>
    private bool MayFollow => Replica > 0 && wal.Value.Enable;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(HandOffAsync, new GrainTimerCreationOptions(HandOffPeriod, HandOffPeriod) { Interleave = true });
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The query nodes keep the shard's segments: the next activation finds them loaded.
        await DetachAsync().ConfigureAwait(true);
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
        var (source, schema) = await ReadyAsync(request.CollectionId, request.GuaranteeTs, request.AsOf).ConfigureAwait(true);
        // One moment for everything: the snapshot, the read timestamp and which segments the nodes answer for. The
        // local search checks the request before anything goes to a node.
        var snapshot = Take(source);
        var readTs = ReadTs(snapshot, request.AsOf);
        var local = BlockReads.Search(LocalBlocks(snapshot, schema, request.PartitionIds), request, schema, _deletes, readTs, options.Value.HnswEf);
        var metric = schema.Field(request.VectorField)!.Metric;
        var remote = await FromNodesAsync(
            snapshot, request.PartitionIds, schema, (grain, segments, deletes) => grain.SearchAsync(new NodeSearch(VChannel, segments, request, readTs, deletes))).ConfigureAwait(true);
        IReadOnlyList<SearchHits> merged = [.. local.Select((hits, q) => ReadMerge.Hits([hits, .. remote.Select(r => r[q])], metric, request.TopK))];
        QueryMetrics.SearchDuration.Record(time.GetElapsedTime(started).TotalMilliseconds);
        return merged;
    }

    public async Task<QueryResult> QueryAsync(QueryRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = time.GetTimestamp();
        var (source, schema) = await ReadyAsync(request.CollectionId, request.GuaranteeTs, request.AsOf).ConfigureAwait(true);
        // The local query checks the request before anything goes to a node.
        var snapshot = Take(source);
        var readTs = ReadTs(snapshot, request.AsOf);
        var local = BlockReads.Query([.. LocalBlocks(snapshot, schema, request.PartitionIds).Select(b => b.Block)], request, schema, _deletes, readTs);
        var remote = await FromNodesAsync(
            snapshot, request.PartitionIds, schema, (grain, segments, deletes) => grain.QueryAsync(new NodeQuery(VChannel, segments, request, readTs, deletes))).ConfigureAwait(true);
        var merged = ReadMerge.Rows([local, .. remote], schema.PrimaryKey.Name, request.Limit);
        QueryMetrics.QueryDuration.Record(time.GetElapsedTime(started).TotalMilliseconds);
        return merged;
    }

    public async Task<ShardStatus> GetStatusAsync()
    {
        var source = await AttachAsync().ConfigureAwait(true);
        var snapshot = Take(source);
        return new ShardStatus(
            snapshot.Applied,
            snapshot.Growing.Count,
            snapshot.Growing.Sum(g => g.Batches.Sum(b => (long)b.Rows.RowCount)),
            snapshot.Sealed.Count,
            _placed.GroupBy(p => p.Value).ToDictionary(g => g.Key, g => g.Count()),
            _deletes.Count,
            silo.SiloAddress.ToString(),
            source.Follower is not null);
    }

    public async Task<IndexProgress> GetIndexProgressAsync()
    {
        var source = await AttachAsync().ConfigureAwait(true);
        var inMemory = Take(source).Sealed.Count;
        var nodes = await Task.WhenAll(_placed.Values.Distinct().Select(n => GrainFactory.GetGrain<IQueryNodeGrain>(n).GetIndexProgressAsync(VChannel))).ConfigureAwait(true);
        return nodes.Aggregate(new IndexProgress(0, 0, inMemory, null), (sum, node) => sum.Add(node));
    }

    public async Task ReleaseAsync()
    {
        await DetachAsync().ConfigureAwait(true);
        await ReleaseNodesAsync().ConfigureAwait(true);
        this.DeactivateOnIdle();
    }

    /// <summary>
    /// Attached to the shard's growing data (the pchannel's recovery on this silo, or a follower of its log), and the
    /// shard applied up to <paramref name="guarantee"/>: where the growing data is, and the collection's schema.
    /// </summary>
    private async Task<(ShardSource Source, CollectionSchema Schema)> ReadyAsync(long collectionId, HybridTimestamp guarantee, HybridTimestamp asOf)
    {
        if (collectionId != CollectionId)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"Shard '{VChannel}' belongs to collection {CollectionId}, not {collectionId}.");
        }

        QueryRequest.CheckAsOf(asOf, time.GetUtcNow(), TimeSpan.FromHours(retention.Value.RetentionHours));
        guarantee = asOf > guarantee ? asOf : guarantee;

        var source = await AttachAsync().ConfigureAwait(true);
        var waited = time.GetTimestamp();
        try
        {
            var applied = source.Follower?.WaitAppliedAsync(guarantee, CancellationToken.None) ?? source.Recovery!.WaitAppliedAsync(guarantee, CancellationToken.None);
            await applied.WaitAsync(ApplyWait, time).ConfigureAwait(true);
        }
        catch (TimeoutException)
        {
            throw new MilvusException(ErrorCode.ChannelNotReady, $"Shard '{VChannel}' has not applied the log up to {guarantee} after {ApplyWait.TotalSeconds:0} s; retry.");
        }

        QueryMetrics.ConsistencyWait.Record(time.GetElapsedTime(waited).TotalMilliseconds);
        return (source, _collection!.Schema);
    }

    /// <summary>
    /// Where the shard's growing data is read: the pchannel's recovery on this silo, watched, with the shard's sealed
    /// segments from history on query nodes; or, for a later replica on a silo that does not own the pchannel (or one
    /// that follows already), a follower of the log.
    /// </summary>
    private async Task<ShardSource> AttachAsync()
    {
        if (_follower is { Behind: false } following)
        {
            return new ShardSource(null, following);
        }

        var pchannel = ChannelNames.PChannelOf(VChannel);
        var current = reads.Recovering(pchannel);
        if (current is null && !MayFollow)
        {
            // Opening the log starts its recovery, if this silo owns the pchannel and nothing runs yet.
            await GrainFactory.GetGrain<IWalGrain>(pchannel).GetStateAsync().ConfigureAwait(true);
            current = reads.Recovering(pchannel);
        }

        if (current is null || _follower is not null)
        {
            if (MayFollow)
            {
                return new ShardSource(null, await FollowAsync().ConfigureAwait(true));
            }

            // The pchannel lives elsewhere now: the next call places this grain there.
            this.DeactivateOnIdle();
            throw new MilvusException(ErrorCode.ChannelNotReady, $"Shard '{VChannel}' is not served here any more; retry.");
        }

        if (current == _recovery)
        {
            return new ShardSource(current, null);
        }

        // A failed attach (history unreachable, a node not answering) is tried again by the next call.
        if (_attaching is not { } attaching || attaching.Recovery != current || attaching.Attached.IsFaulted || attaching.Attached.IsCanceled)
        {
            _attaching = attaching = (current, AttachToAsync(current));
        }

        await attaching.Attached.ConfigureAwait(true);
        return new ShardSource(current, null);
    }

    private async Task AttachToAsync(IRecoveredChannel recovery)
    {
        recovery.Watch(VChannel, Key);
        try
        {
            await LoadCollectionAsync().ConfigureAwait(true);
        }
        catch
        {
            recovery.Unwatch(VChannel, Key);
            throw;
        }

        await recovery.Replayed.ConfigureAwait(true);
        // What history holds of the shard: its deletes known here, its segments on query nodes.
        var version = await CompactionVersionAsync().ConfigureAwait(true);
        var sealedSegments = await HistorySegmentsAsync().ConfigureAwait(true);
        Swap(await LoadFromHistoryAsync(sealedSegments).ConfigureAwait(true), sealedSegments, recovery);
        _compactionVersion = version;
        _recovery?.Unwatch(VChannel, Key);
        _recovery = recovery;
        LogAttached(logger, Key, sealedSegments.Count, _deletes.Count);
    }

    /// <summary>This replica's follower of the log, started (again, if it fell behind a truncation) when needed.</summary>
    private async Task<IFollowedShard> FollowAsync()
    {
        if (_follower is { Behind: false } follower)
        {
            return follower;
        }

        // A failed start (storage unreachable, a node not answering) is tried again by the next call.
        if (_following is not { } starting || starting.IsFaulted || starting.IsCanceled)
        {
            _following = starting = StartFollowingAsync();
        }

        return await starting.ConfigureAwait(true);
    }

    /// <summary>
    /// Starts following the log from the pchannel's newest checkpoint. Everything before it is in history: the shard's
    /// segments there, listed after the checkpoint was read, go onto query nodes first, and the follower leaves out
    /// what they hold.
    /// </summary>
    private async Task<IFollowedShard> StartFollowingAsync()
    {
        await LoadCollectionAsync().ConfigureAwait(true);
        var checkpoint = await checkpoints.ReadAsync(ChannelNames.PChannelOf(VChannel), CancellationToken.None).ConfigureAwait(true);
        var version = await CompactionVersionAsync().ConfigureAwait(true);
        var sealedSegments = await HistorySegmentsAsync().ConfigureAwait(true);
        Swap(await LoadFromHistoryAsync(sealedSegments).ConfigureAwait(true), sealedSegments, recovery: null);
        _compactionVersion = version;
        var follower = reads.Follow(VChannel, _collection!, checkpoint, sealedSegments);
        var older = _follower;
        _recovery?.Unwatch(VChannel, Key);
        _recovery = null;
        (_follower, _followerDeletes, _followedCheckpoint, _following) = (follower, 0, checkpoint, null);
        LogFollowing(logger, Key, checkpoint?.Position ?? 0, sealedSegments.Count, _deletes.Count);
        if (older is not null)
        {
            await older.DisposeAsync().ConfigureAwait(true);
        }

        return follower;
    }

    /// <summary>Stops reading growing data: lets the recovery go, or stops the follower.</summary>
    private async Task DetachAsync()
    {
        _recovery?.Unwatch(VChannel, Key);
        _recovery = null;
        if (_follower is { } follower)
        {
            _follower = null;
            await follower.DisposeAsync().ConfigureAwait(true);
        }
    }

    /// <summary>The timestamp a read is at: the one it asked for, else the newest the snapshot applied.</summary>
    private static long ReadTs(VChannelSnapshot snapshot, HybridTimestamp asOf) => (long)(asOf.Value != 0 ? asOf.Value : snapshot.Applied.Value);

    /// <summary>The collection from the catalog; the shard's reads end with it.</summary>
    private async Task LoadCollectionAsync()
    {
        _collection = await GrainFactory.GetGrain<ICatalogGrain>(0).GetCollectionAsync(CollectionId).ConfigureAwait(true);
        if (_collection is null || _collection.IsDropped)
        {
            throw new MilvusException(ErrorCode.CollectionNotFound, $"Collection {CollectionId} of shard '{VChannel}' does not exist.");
        }

        if (Replica >= _collection.Replicas)
        {
            // Only loaded replicas start: each follower reads its pchannel's whole log. Transient, so a client whose
            // count is stale goes on to the next replica.
            this.DeactivateOnIdle();
            throw new MilvusException(
                ErrorCode.ChannelNotReady,
                $"Shard '{VChannel}': collection '{_collection.Name}' is loaded with replicas 0..{_collection.Replicas - 1}, not {Replica}; retry on one of them.");
        }
    }

    /// <summary>The shard's sealed segments in history now.</summary>
    private async Task<List<SegmentManifest>> HistorySegmentsAsync()
    {
        var sealedSegments = new List<SegmentManifest>();
        await foreach (var manifest in history.ListSegmentsAsync(CollectionId, CancellationToken.None).ConfigureAwait(true))
        {
            if (string.Equals(manifest.VChannel, VChannel, StringComparison.Ordinal))
            {
                sealedSegments.Add(manifest);
            }
        }

        return sealedSegments;
    }

    /// <summary>
    /// Takes the deletes of segments in history into the shard's delete log and loads the segments on query nodes;
    /// says where, for <see cref="Commit"/>.
    /// </summary>
    private async Task<IReadOnlyList<(long SegmentId, long Node)>> LoadFromHistoryAsync(IReadOnlyList<SegmentManifest> segments)
    {
        await AbsorbDeletesAsync(segments).ConfigureAwait(true);
        return await PlaceAsync([.. segments.Select(m => new SegmentRef(m.PartitionId, m.SegmentId))]).ConfigureAwait(true);
    }

    /// <summary>Takes the deletes of the segments not seen before into the shard's delete log.</summary>
    private async Task AbsorbDeletesAsync(IEnumerable<SegmentManifest> segments)
    {
        foreach (var manifest in segments.Where(m => !_absorbedSealed.Contains(m.SegmentId)).ToArray())
        {
            var (keys, timestamps) = await history.ReadDeletesAsync(manifest, _collection!.Schema.PrimaryKey, CancellationToken.None).ConfigureAwait(true);
            if (_absorbedSealed.Add(manifest.SegmentId))
            {
                _deletes.Add(keys.Values, timestamps);
            }
        }
    }

    /// <summary>The shard's data in memory now, its deletes taken into the shard's delete log.</summary>
    private VChannelSnapshot Take(ShardSource source)
    {
        if (source.Follower is { } follower)
        {
            var followed = follower.Snapshot(_followerDeletes);
            foreach (var deletes in followed.Deletes)
            {
                _deletes.Add(deletes.Keys.Values, deletes.Ts);
                _followerDeletes = deletes.Seq;
            }

            return new VChannelSnapshot(followed.Applied, followed.Growing, [], Watched: true);
        }

        var snapshot = source.Recovery!.Snapshot(VChannel, Key);
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

    /// <summary>The rows this delegator holds in memory, of <paramref name="partitions"/> (null: of every partition).</summary>
    private static List<SearchedBlock> LocalBlocks(VChannelSnapshot snapshot, CollectionSchema schema, IReadOnlyList<long>? partitions)
    {
        var blocks = new List<SearchedBlock>();
        foreach (var growing in snapshot.Growing.Where(g => partitions?.Contains(g.Key.PartitionId) ?? true))
        {
            blocks.AddRange(growing.Batches.Select(b => new SearchedBlock(RowBlock.Written(schema, b.Rows, b.Ts), null)));
        }

        blocks.AddRange(snapshot.Sealed
            .Where(k => partitions?.Contains(k.Segment.Key.PartitionId) ?? true)
            .Select(k => new SearchedBlock(RowBlock.Sealed(schema, k.Segment.Rows, k.Segment.Timestamps), null)));
        return blocks;
    }

    /// <summary>
    /// The segments each query node answers for: those placed, of <paramref name="partitions"/> (null: of every
    /// partition), less those this snapshot still holds in memory.
    /// </summary>
    private Dictionary<long, long[]> ByNode(VChannelSnapshot snapshot, IReadOnlyList<long>? partitions)
    {
        var inMemory = snapshot.Sealed.Select(k => k.Segment.Key.SegmentId).ToHashSet();
        return _placed.Where(p => !inMemory.Contains(p.Key) && (partitions?.Contains(PartitionOf(p.Key)) ?? true))
            .GroupBy(p => p.Value, p => p.Key)
            .ToDictionary(g => g.Key, g => g.ToArray());
    }

    /// <summary>
    /// Asks every query node holding segments of <paramref name="snapshot"/>'s read (of <paramref name="partitions"/>)
    /// for its part. The read counts itself until every node answered, so the segments it took stay on the nodes.
    /// </summary>
    private async Task<T[]> FromNodesAsync<T>(
        VChannelSnapshot snapshot, IReadOnlyList<long>? partitions, CollectionSchema schema, Func<IQueryNodeGrain, long[], ShardDeletes, Task<T>> call)
    {
        var epoch = BeginRead();
        try
        {
            return await Task.WhenAll(ByNode(snapshot, partitions).Select(node => OnNodeAsync(
                node.Key, node.Value, schema, (grain, deletes) => call(grain, node.Value, deletes)))).ConfigureAwait(true);
        }
        finally
        {
            EndRead(epoch);
        }
    }

    /// <summary>
    /// Calls a query node with the deletes it has not seen. A node that lost segments or deletes (it moved to another
    /// silo, or was collected) is sent all of them again; a node whose silo died is retried until it answers. Until
    /// then the same node of the other replicas is asked, on other silos: it holds the same segments when that
    /// replica placed them alike, so reads need not wait for the node to be placed again and reload.
    /// </summary>
    private async Task<T> OnNodeAsync<T>(long node, long[] segmentIds, CollectionSchema schema, Func<IQueryNodeGrain, ShardDeletes, Task<T>> call)
    {
        return await TransientRetry.RunAsync(
            async () =>
            {
                try
                {
                    return await AskNodeAsync(node, call).ConfigureAwait(true);
                }
                catch (MilvusException ex) when (ex.Code == ErrorCode.SegmentNotLoaded)
                {
                    LogNodeReload(logger, Key, node, ex.Message);
                    _sent[node] = 0;
                    await LoadOnNodeAsync(node, schema, [.. segmentIds.Select(id => new SegmentRef(PartitionOf(id), id))]).ConfigureAwait(true);
                    throw new MilvusException(ErrorCode.ChannelNotReady, $"Query node {node} reloaded segments of '{VChannel}'; retry.");
                }
                catch (Exception ex) when (TransientRetry.IsTransient(ex))
                {
                    foreach (var twin in TwinNodes(node))
                    {
                        try
                        {
                            return await AskNodeAsync(twin, call).ConfigureAwait(true);
                        }
                        catch (MilvusException twinError) when (twinError.Code == ErrorCode.SegmentNotLoaded)
                        {
                            // Not placed alike, or it lost this delegator's deletes: all of them go next time.
                            _sent.Remove(twin);
                        }
                        catch (Exception twinError) when (TransientRetry.IsTransient(twinError))
                        {
                            // Its silo is gone too: the next twin, then this node again.
                        }
                    }

                    throw;
                }
            },
            TimeSpan.FromSeconds(30),
            time,
            CancellationToken.None).ConfigureAwait(true);
    }

    /// <summary>Calls query node <paramref name="node"/> with the deletes it has not seen from this delegator.</summary>
    private async Task<T> AskNodeAsync<T>(long node, Func<IQueryNodeGrain, ShardDeletes, Task<T>> call)
    {
        var sent = _sent.GetValueOrDefault(node);
        var (keys, timestamps) = _deletes.Since(sent);
        var result = await call(GrainFactory.GetGrain<IQueryNodeGrain>(node), new ShardDeletes(Key, sent, keys, timestamps)).ConfigureAwait(true);
        _sent[node] = Math.Max(_sent.GetValueOrDefault(node), sent + timestamps.Length);
        return result;
    }

    /// <summary>The same node of the collection's other replicas (see <see cref="QueryNodeSilos.NodeKey"/>).</summary>
    private IEnumerable<long> TwinNodes(long node)
    {
        var nodes = options.Value.Nodes;
        var index = (int)(node % nodes);
        return Enumerable.Range(0, _collection?.Replicas ?? 1).Where(r => r != Replica).Select(r => QueryNodeSilos.NodeKey(r, index, nodes));
    }

    private long PartitionOf(long segmentId) => _partitions[segmentId];

    /// <summary>
    /// Loads segments on this replica's query nodes, each on the node of this shard holding the fewest, and says where
    /// (for <see cref="Commit"/>: reads ask a node for a segment only from then on).
    /// </summary>
    private async Task<IReadOnlyList<(long SegmentId, long Node)>> PlaceAsync(IReadOnlyList<SegmentRef> segments)
    {
        var nodes = options.Value.Nodes;
        var load = NodeKeys().ToDictionary(n => n, n => _placed.Values.Count(p => p == n));
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
        await Task.WhenAll(plan.Select(p => TransientRetry.RunAsync(
            async () =>
            {
                await LoadOnNodeAsync(p.Key, schema, p.Value).ConfigureAwait(true);
                return true;
            },
            TimeSpan.FromSeconds(60),
            time,
            CancellationToken.None))).ConfigureAwait(true);
        return [.. plan.SelectMany(p => p.Value.Select(segment => (segment.SegmentId, p.Key)))];
    }

    /// <summary>Loads <paramref name="segments"/> on <paramref name="node"/>, <see cref="LoadBatch"/> per call (loading again what it holds costs nothing).</summary>
    private async Task LoadOnNodeAsync(long node, CollectionSchema schema, IReadOnlyList<SegmentRef> segments)
    {
        foreach (var batch in segments.Chunk(LoadBatch))
        {
            await GrainFactory.GetGrain<IQueryNodeGrain>(node).LoadAsync(VChannel, schema, batch).ConfigureAwait(true);
        }
    }

    /// <summary>Records where segments were loaded: reads ask those nodes for them from now on.</summary>
    private void Commit(IReadOnlyList<(long SegmentId, long Node)> placed)
    {
        foreach (var (segmentId, node) in placed)
        {
            _placed[segmentId] = node;
        }
    }

    /// <summary>This replica's query nodes: each replica has its own, on other silos than the other replicas'.</summary>
    private IEnumerable<long> NodeKeys()
    {
        var (replica, nodes) = (Replica, options.Value.Nodes);
        return Enumerable.Range(0, nodes).Select(n => QueryNodeSilos.NodeKey(replica, n, nodes));
    }

    /// <summary>Moves the segments history now holds onto query nodes, then lets memory drop them.</summary>
    private async Task HandOffAsync(CancellationToken cancellationToken)
    {
        if (_recovery is null && _follower is null)
        {
            return;
        }

        if (++_rounds % DropCheckRounds == 0)
        {
            // Also learns a new replica count (for the twin nodes of reads).
            var collection = await GrainFactory.GetGrain<ICatalogGrain>(0).GetCollectionAsync(CollectionId).ConfigureAwait(true);
            if (collection is null or { IsDropped: true })
            {
                await ReleaseAsync().ConfigureAwait(true);
                return;
            }

            _collection = collection;
        }

        if (_follower is { } follower)
        {
            await HandOffFollowedAsync(follower).ConfigureAwait(true);
        }
        else if (_recovery is { } recovery)
        {
            await HandOffKeptAsync(recovery).ConfigureAwait(true);
        }

        if (_rounds % CompactionRounds == 0)
        {
            await FollowCompactionAsync().ConfigureAwait(true);
        }

        await ReleaseRetiredAsync().ConfigureAwait(true);
    }

    /// <summary>Once the collection's compaction swapped segments in, moves reads onto them (see <see cref="Swap"/>).</summary>
    private async Task FollowCompactionAsync()
    {
        try
        {
            if (await CompactionVersionAsync().ConfigureAwait(true) != _compactionVersion)
            {
                await RelistAsync().ConfigureAwait(true);
            }
        }
        catch (Exception ex)
        {
            // Reads go on from the replaced segments, which stay in history for the retention; a later round tries again.
            LogCompactionFollowFailed(logger, Key, ex);
        }
    }

    /// <summary>
    /// Lists the shard's live segments in history and swaps them in: those new here go onto query nodes, and in the
    /// same step the segments they replace stop being read. A follower lets the rows history now holds go.
    /// </summary>
    private async Task RelistAsync()
    {
        var (follower, recovery) = (_follower, _recovery);
        var version = await CompactionVersionAsync().ConfigureAwait(true);
        var inMemory = recovery is null ? [] : Take(new ShardSource(recovery, null)).Sealed.Select(k => k.Segment.Key.SegmentId).ToHashSet();
        var live = await HistorySegmentsAsync().ConfigureAwait(true);
        var added = live.Where(m => !_placed.ContainsKey(m.SegmentId) && !inMemory.Contains(m.SegmentId)).ToArray();
        var placed = await LoadFromHistoryAsync(added).ConfigureAwait(true);
        if (_follower != follower || _recovery != recovery)
        {
            // Replaced meanwhile: its successor placed and left out what history held when it started.
            return;
        }

        Swap(placed, live, recovery);
        _compactionVersion = version;
        if (follower is not null)
        {
            foreach (var manifest in added)
            {
                follower.Cover(manifest.PartitionId, manifest.EndPosition);
            }
        }
    }

    /// <summary>
    /// The version of the collection's compaction, read before a listing: the listing then holds every swap it counts
    /// (a compaction counts a swap once its manifest is written).
    /// </summary>
    private Task<string> CompactionVersionAsync() => GrainFactory.GetGrain<ICompactionSchedule>(CollectionId).GetVersionAsync();

    /// <summary>
    /// One step for reads: the segments just <paramref name="placed"/> are read from now on, and the segments those of
    /// <paramref name="live"/> replace (compaction's inputs) are not, whether on nodes or kept in memory by
    /// <paramref name="recovery"/>. Reads that began before go on with what they took; the replaced segments leave the
    /// nodes once those reads are done.
    /// </summary>
    private void Swap(IReadOnlyList<(long SegmentId, long Node)> placed, IReadOnlyCollection<SegmentManifest> live, IRecoveredChannel? recovery)
    {
        Commit(placed);
        var replaced = live.SelectMany(m => m.CompactedFrom ?? []).ToHashSet();
        var retired = _placed.Keys.Where(replaced.Contains).ToArray();
        foreach (var id in retired)
        {
            _placed.Remove(id);
        }

        if (recovery is not null)
        {
            foreach (var kept in Take(new ShardSource(recovery, null)).Sealed.Where(k => replaced.Contains(k.Segment.Key.SegmentId)))
            {
                recovery.Release(VChannel, Key, kept.Segment.Key.SegmentId);
            }
        }

        if (retired.Length > 0)
        {
            _retired.Add((_epoch, retired));
            _epoch++;
        }
    }

    /// <summary>Notes a read that took its segments now; returns what <see cref="EndRead"/> needs.</summary>
    private long BeginRead()
    {
        _readsByEpoch[_epoch] = _readsByEpoch.GetValueOrDefault(_epoch) + 1;
        return _epoch;
    }

    private void EndRead(long epoch)
    {
        if (--_readsByEpoch[epoch] == 0)
        {
            _readsByEpoch.Remove(epoch);
        }
    }

    /// <summary>Releases on the nodes the replaced segments no read in flight may still ask for.</summary>
    private async Task ReleaseRetiredAsync()
    {
        var oldestRead = _readsByEpoch.Count == 0 ? long.MaxValue : _readsByEpoch.Keys.Min();
        var due = _retired.Where(r => r.Epoch < oldestRead).ToArray();
        if (due.Length == 0)
        {
            return;
        }

        var ids = due.SelectMany(r => r.SegmentIds).ToArray();
        try
        {
            await Task.WhenAll(NodeKeys().Select(n => GrainFactory.GetGrain<IQueryNodeGrain>(n).ReleaseAsync(VChannel, ids))).ConfigureAwait(true);
            _retired.RemoveAll(due.Contains);
            foreach (var id in ids.Where(id => !_placed.ContainsKey(id)))
            {
                _partitions.Remove(id);
            }
        }
        catch (Exception ex)
        {
            LogReleaseFailed(logger, Key, ids.Length, ex);
        }
    }

    /// <summary>Moves the kept segments history now holds onto query nodes, then lets the recovery drop them.</summary>
    private async Task HandOffKeptAsync(IRecoveredChannel recovery)
    {
        var snapshot = Take(new ShardSource(recovery, null));
        var ready = snapshot.Sealed.Where(k => k.Written && _handingOff.Add(k.Segment.Key.SegmentId)).Select(k => k.Segment.Key).ToArray();
        if (ready.Length == 0)
        {
            return;
        }

        try
        {
            Commit(await PlaceAsync([.. ready.Select(k => new SegmentRef(k.PartitionId, k.SegmentId))]).ConfigureAwait(true));
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

    /// <summary>
    /// For a follower: once the owner wrote a new checkpoint (so, new segments), moves the shard's segments history
    /// holds now onto query nodes, and then the follower drops their rows. A follower that fell behind a truncation
    /// is started again from the newest checkpoint.
    /// </summary>
    private async Task HandOffFollowedAsync(IFollowedShard follower)
    {
        if (_following is { IsCompleted: false } || (!follower.Behind && _rounds % CheckpointRounds != 0))
        {
            return;
        }

        try
        {
            if (follower.Behind)
            {
                await FollowAsync().ConfigureAwait(true);
                return;
            }

            var checkpoint = await checkpoints.ReadAsync(ChannelNames.PChannelOf(VChannel), CancellationToken.None).ConfigureAwait(true);
            if (_rounds % ListRounds != 0 && checkpoint?.Position == _followedCheckpoint?.Position && checkpoint?.Timestamp == _followedCheckpoint?.Timestamp)
            {
                return;
            }

            await RelistAsync().ConfigureAwait(true);
            _followedCheckpoint = checkpoint;
        }
        catch (Exception ex)
        {
            // The follower keeps the rows in memory, read from there until a later round places them.
            LogFollowedHandOffFailed(logger, Key, ex);
        }
    }

    /// <summary>Drops the shard's segments from this replica's query nodes, whichever activation placed them.</summary>
    private async Task ReleaseNodesAsync()
    {
        _placed.Clear();
        _sent.Clear();
        await Task.WhenAll(NodeKeys().Select(n => GrainFactory.GetGrain<IQueryNodeGrain>(n).ReleaseAsync(VChannel, null))).ConfigureAwait(true);
    }

    /// <summary>Where a read finds the shard's growing data: the pchannel's recovery on this silo, or a follower of its log.</summary>
    private readonly record struct ShardSource(IRecoveredChannel? Recovery, IFollowedShard? Follower);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delegator {Key}: attached; {Segments} sealed segments in history, {Deletes} deletes")]
    private static partial void LogAttached(ILogger logger, string key, int segments, int deletes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delegator {Key}: following the log from {Position}; {Segments} sealed segments in history, {Deletes} deletes")]
    private static partial void LogFollowing(ILogger logger, string key, long position, int segments, int deletes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delegator {Key}: query node {Node} is sent its segments and deletes again ({Reason})")]
    private static partial void LogNodeReload(ILogger logger, string key, long node, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delegator {Key}: handing {Count} sealed segments to query nodes failed; they are read from memory meanwhile")]
    private static partial void LogHandOffFailed(ILogger logger, string key, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delegator {Key}: following compaction failed; reads go on from the segments it replaced")]
    private static partial void LogCompactionFollowFailed(ILogger logger, string key, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delegator {Key}: releasing {Count} segments replaced by compaction failed; a later round tries again")]
    private static partial void LogReleaseFailed(ILogger logger, string key, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delegator {Key}: moving history's new segments to query nodes failed; the follower keeps their rows in memory meanwhile")]
    private static partial void LogFollowedHandOffFailed(ILogger logger, string key, Exception exception);
}
