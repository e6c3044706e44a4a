using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Query.Configuration;
using Milvus.Orleans.Query.Search;
using Milvus.Orleans.Query.Segments;
using Milvus.Orleans.Schema;
using Orleans.Concurrency;

namespace Milvus.Orleans.Query.Nodes;

/// <summary>
/// Holds sealed segments for the shards' delegators (loaded by <see cref="SegmentLoader"/>), and searches and queries
/// them at the delegator's read timestamp with its deletes.
/// </summary>
/// <remarks>
/// Reentrant, and its turns only route: a read takes the node's state at one moment in its turn (segments, the
/// delegator's deletes, readers of the graphs) and runs on <see cref="ReadWorkers"/>, so reads go on at once, on every
/// core, while segments load, graphs build, deletes arrive and segments are released. When a silo joins and
/// <see cref="QueryNodeSilos"/> puts the node there, it leaves, and the delegators' next calls
/// place it there and send it its segments again.
/// </remarks>
[QueryNodePlacement]
[Reentrant]
internal sealed partial class QueryNodeGrain(
    SegmentLoader loader,
    ReadWorkers workers,
    IOptions<QueryOptions> options,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    ILogger<QueryNodeGrain> logger) : Grain, IQueryNodeGrain, IDisposable
{
    /// <summary>How often a node checks that it is on its silo; it moves when two checks in a row say otherwise.</summary>
    private static readonly TimeSpan PlacementCheck = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, Shard> _shards = new(StringComparer.Ordinal);

    /// <summary>The active silos when this node started.</summary>
    private SiloAddress[] _known = [];

    /// <summary>The silo the last check put this node on, when not this one.</summary>
    private SiloAddress? _movingTo;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _known = [silo.SiloAddress, .. ActiveSilos()];
        this.RegisterGrainTimer(CheckPlacement, new GrainTimerCreationOptions(PlacementCheck, PlacementCheck) { Interleave = true, KeepAlive = false });
        return Task.CompletedTask;
    }

    public async Task LoadAsync(string vchannel, CollectionSchema schema, IReadOnlyList<SegmentRef> segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        if (!_shards.TryGetValue(vchannel, out var shard))
        {
            _shards[vchannel] = shard = new Shard(schema);
        }

        // Segments stay loaded for as long as the shard is served: the node lives until they are released.
        DelayDeactivation(Timeout.InfiniteTimeSpan);
        await Task.WhenAll(segments.Select(segment => shard.Loading(segment.SegmentId, () => loader.LoadAsync(vchannel, shard.Schema, segment)))).ConfigureAwait(true);
    }

    public async Task WaitIndexedAsync(string vchannel)
    {
        if (_shards.TryGetValue(vchannel, out var shard))
        {
            await shard.WhenLoaded().ConfigureAwait(true);
            await Task.WhenAll(shard.Segments.Values.Select(s => s.Indexed)).ConfigureAwait(true);
        }
    }

    public Task<IndexProgress> GetIndexProgressAsync(string vchannel)
    {
        if (!_shards.TryGetValue(vchannel, out var shard))
        {
            return Task.FromResult(IndexProgress.None);
        }

        var segments = shard.Segments.Values;
        return Task.FromResult(new IndexProgress(
            segments.Sum(s => (long)s.Block.Count),
            segments.Where(s => s.IsIndexed).Sum(s => (long)s.Block.Count),
            shard.LoadingCount,
            segments.Select(s => s.IndexFailure).FirstOrDefault(f => f is not null)));
    }

    public Task ReleaseAsync(string vchannel, IReadOnlyList<long>? segmentIds)
    {
        if (_shards.TryGetValue(vchannel, out var shard))
        {
            foreach (var id in segmentIds ?? [.. shard.Segments.Keys])
            {
                shard.Release(id);
            }

            if (shard.Segments.Count == 0)
            {
                _shards.Remove(vchannel);
            }
        }

        if (_shards.Count == 0)
        {
            // Nothing held: the node leaves memory now rather than when the silo stops.
            DeactivateOnIdle();
        }

        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<SearchHits>> SearchAsync(NodeSearch request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var shard = Held(request.VChannel, request.SegmentIds);
        var deletes = shard.Deletes(request.Deletes);
        var (field, _) = BlockReads.Check(request.Request, shard.Schema);
        var schema = shard.Schema;
        var ef = options.Value.HnswEf;
        SearchedBlock[] blocks = [.. request.SegmentIds.Select(id => shard.Segments[id]).Select(s => new SearchedBlock(s.Block, s.Read(field.Name)))];
        try
        {
            // The query vectors of a request (a batch of searches) split over the cores.
            var queries = request.Request.Vectors.Length / field.Dimension;
            var parts = Math.Min(queries, Environment.ProcessorCount);
            var answers = await Task.WhenAll(Enumerable.Range(0, parts).Select(part =>
            {
                var (from, to) = (queries * part / parts, queries * (part + 1) / parts);
                var slice = request.Request with { Vectors = request.Request.Vectors[(from * field.Dimension)..(to * field.Dimension)] };
                return workers.RunAsync(() => BlockReads.Search(blocks, slice, schema, deletes, request.ReadTs, ef));
            })).ConfigureAwait(true);
            return [.. answers.SelectMany(a => a)];
        }
        finally
        {
            foreach (var block in blocks)
            {
                block.Graph?.Dispose();
            }
        }
    }

    public async Task<QueryResult> QueryAsync(NodeQuery request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var shard = Held(request.VChannel, request.SegmentIds);
        var deletes = shard.Deletes(request.Deletes);
        var schema = shard.Schema;
        RowBlock[] blocks = [.. request.SegmentIds.Select(id => shard.Segments[id].Block)];
        return await workers.RunAsync(() => BlockReads.Query(blocks, request.Request, schema, deletes, request.ReadTs)).ConfigureAwait(true);
    }

    public void Dispose()
    {
        foreach (var shard in _shards.Values)
        {
            foreach (var id in shard.Segments.Keys.ToArray())
            {
                shard.Release(id);
            }
        }
    }

    /// <summary>
    /// Leaves when two checks in a row put the node on a silo that joined after it started (see
    /// <see cref="QueryNodeSilos.MoveTarget"/>): a silo that just joined may not take activations yet, and placing
    /// there too early would only bring the node back here.
    /// </summary>
    private Task CheckPlacement(CancellationToken cancellationToken)
    {
        var node = this.GetPrimaryKeyLong();
        var target = QueryNodeSilos.MoveTarget(node, options.Value.Nodes, _known, ActiveSilos());
        if (target is null)
        {
            _movingTo = null;
        }
        else if (target == _movingTo)
        {
            LogMoving(logger, node, target, _shards.Count);
            DeactivateOnIdle();
        }
        else
        {
            _movingTo = target;
        }

        return Task.CompletedTask;
    }

    private SiloAddress[] ActiveSilos() =>
        [.. membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress)];

    /// <summary>The shard, if this node holds every one of <paramref name="segmentIds"/>; otherwise the delegator is told which to load.</summary>
    private Shard Held(string vchannel, IReadOnlyList<long> segmentIds)
    {
        var shard = _shards.GetValueOrDefault(vchannel);
        var missing = segmentIds.Where(id => shard is null || !shard.Segments.ContainsKey(id)).ToArray();
        return missing.Length == 0
            ? shard!
            : throw new MilvusException(
                ErrorCode.SegmentNotLoaded,
                $"Query node {this.GetPrimaryKeyLong()} does not hold segments {string.Join(", ", missing)} of '{vchannel}'.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Query node {Node} moves to silo {Silo}, which the nodes' placement gives it now; {Shards} shards are loaded there again")]
    private static partial void LogMoving(ILogger logger, long node, SiloAddress silo, int shards);

    /// <summary>What the node holds of one vchannel: segments, loads in flight, and each delegator's deletes.</summary>
    private sealed class Shard(CollectionSchema schema)
    {
        private readonly Dictionary<long, Task> _loading = [];
        private readonly Dictionary<string, DeleteLog> _deletes = new(StringComparer.Ordinal);

        public CollectionSchema Schema { get; } = schema;

        public Dictionary<long, LoadedSegment> Segments { get; } = [];

        /// <summary>Loads a segment once, however many callers ask at the same time.</summary>
        public Task Loading(long segmentId, Func<Task<LoadedSegment>> load)
        {
            if (Segments.ContainsKey(segmentId))
            {
                return Task.CompletedTask;
            }

            if (!_loading.TryGetValue(segmentId, out var loading))
            {
                _loading[segmentId] = loading = LoadOnceAsync(segmentId, load);
            }

            return loading;
        }

        /// <summary>Segments being loaded.</summary>
        public int LoadingCount => _loading.Count;

        /// <summary>Completes when the loads in flight now are done.</summary>
        public Task WhenLoaded() => Task.WhenAll(_loading.Values);

        public void Release(long segmentId)
        {
            if (Segments.Remove(segmentId, out var segment))
            {
                segment.Dispose();
            }
        }

        /// <summary>The delegator's deletes after taking what the request brings; fails if the node missed some.</summary>
        public DeleteLog Deletes(ShardDeletes incoming)
        {
            if (!_deletes.TryGetValue(incoming.Source, out var log))
            {
                _deletes[incoming.Source] = log = new DeleteLog();
            }

            if (incoming.From == 0)
            {
                // Everything from the start: a delegator that started again may list its deletes in another order.
                _deletes[incoming.Source] = log = new DeleteLog();
            }
            else if (incoming.From > log.Count)
            {
                throw new MilvusException(ErrorCode.SegmentNotLoaded, $"Query node holds {log.Count} deletes of '{incoming.Source}', and the request continues from {incoming.From}.");
            }

            // The request may repeat deletes the node already has (a retry, or requests arriving out of order).
            var skip = log.Count - incoming.From;
            if (skip < incoming.Timestamps.Length)
            {
                var keys = incoming.Keys.Values;
                var fresh = Array.CreateInstance(keys.GetType().GetElementType()!, keys.Length - skip);
                Array.Copy(keys, skip, fresh, 0, fresh.Length);
                log.Add(fresh, incoming.Timestamps.AsSpan(skip));
            }

            return log;
        }

        private async Task LoadOnceAsync(long segmentId, Func<Task<LoadedSegment>> load)
        {
            try
            {
                Segments[segmentId] = await load().ConfigureAwait(true);
            }
            finally
            {
                _loading.Remove(segmentId);
            }
        }
    }
}
