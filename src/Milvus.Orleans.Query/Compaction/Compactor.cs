using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Data;
using Milvus.Orleans.Grains;
using Milvus.Orleans.History.Checkpoints;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Query.Nodes;
using Milvus.Orleans.Query.Segments;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Streaming.Configuration;

namespace Milvus.Orleans.Query.Compaction;

/// <summary>
/// Compacts one collection's history. Only settled segments are taken (no replay can write them again). Small
/// segments of a partition and shard are merged up to <c>Milvus:Segment:MaxSizeMb</c>; a segment whose removable rows
/// reach <see cref="CompactionOptions.RemovablePercent"/> is written again alone. A row is removable when no read the
/// retention window allows can see it: written before the horizon and deleted or expired by it, the horizon being
/// the older of now less <c>Milvus:History:RetentionHours</c> and what the pchannel's checkpoint holds. Every new
/// segment keeps all its inputs' deletes (they may hide rows elsewhere in the shard), gets its graphs, and replaces
/// its inputs with its manifest. One segment is written at a time per silo.
/// </summary>
internal sealed partial class Compactor(
    IHistoryStore history,
    ICheckpointStore checkpoints,
    SegmentLoader graphs,
    IGrainFactory grains,
    IOptions<CompactionOptions> options,
    IOptions<SegmentOptions> segments,
    IOptions<HistoryOptions> retention,
    TimeProvider time,
    ILogger<Compactor> logger) : IDisposable
{
    /// <summary>Input segments read at once.</summary>
    private const int ParallelReads = 8;

    private readonly SemaphoreSlim _writing = new(1, 1);

    public void Dispose() => _writing.Dispose();

    /// <summary>
    /// Plans and writes <paramref name="collection"/>'s compaction, telling <paramref name="report"/> its state after
    /// each step. <paramref name="checkedSegments"/> remembers, per segment found below the removable share, how many
    /// deletes its shard had then, so an unchanged segment is not read again by the next run.
    /// </summary>
    public async Task RunAsync(CollectionInfo collection, Dictionary<long, int> checkedSegments, Action<CompactionState> report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(checkedSegments);
        ArgumentNullException.ThrowIfNull(report);
        var state = new CompactionState(collection.Id, CompactionPhase.Running, 0, 0, 0, 0, 0, 0, 0, time.GetUtcNow(), null, null);
        report(state);
        var schema = collection.Schema;
        var live = await history.ListSegmentsAsync(collection.Id, cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);
        var shards = new Dictionary<string, Shard>(StringComparer.Ordinal);
        foreach (var pchannel in live.Select(m => m.PChannel).Distinct(StringComparer.Ordinal))
        {
            var checkpoint = await checkpoints.ReadAsync(pchannel, cancellationToken).ConfigureAwait(false);
            var horizon = Math.Min(RetainedFrom(), checkpoint?.Timestamp ?? 0);
            foreach (var vchannel in live.Where(m => m.PChannel == pchannel).Select(CompactionPlanner.ShardOf).Distinct(StringComparer.Ordinal))
            {
                shards[vchannel] = new Shard(checkpoint, horizon, await DeletesAsync(live.Where(m => CompactionPlanner.ShardOf(m) == vchannel), schema, horizon, cancellationToken).ConfigureAwait(false));
            }
        }

        var settled = live.Where(m => CompactionPlanner.IsSettled(m, shards[CompactionPlanner.ShardOf(m)].Checkpoint)).ToList();
        var tasks = CompactionPlanner.Merges(settled, segments.Value.MaxSizeMb * 1024L * 1024);
        var merged = tasks.SelectMany(t => t.Inputs).Select(m => m.SegmentId).ToHashSet();
        foreach (var segment in settled.Where(m => !merged.Contains(m.SegmentId) && m.Rows > 0))
        {
            var shard = shards[CompactionPlanner.ShardOf(segment)];
            if (await IsWorthRewritingAsync(segment, schema, shard, checkedSegments, cancellationToken).ConfigureAwait(false))
            {
                tasks.Add(new CompactionTask(segment.PartitionId, CompactionPlanner.ShardOf(segment), segment.PChannel, [segment]));
            }
        }

        state = state with { Planned = tasks.Count, SegmentsBefore = live.Count, SegmentsAfter = live.Count };
        report(state);
        foreach (var task in tasks)
        {
            var (read, written, removed) = await WriteAsync(collection, task, shards[task.VChannel], cancellationToken).ConfigureAwait(false);
            state = state with
            {
                Done = state.Done + 1,
                SegmentsAfter = state.SegmentsAfter - task.Inputs.Count + 1,
                BytesRead = state.BytesRead + read,
                BytesWritten = state.BytesWritten + written,
                RowsRemoved = state.RowsRemoved + removed,
            };
            report(state);
        }

        report(state with { Phase = CompactionPhase.Completed, Finished = time.GetUtcNow() });
    }

    /// <summary>
    /// Writes the segment replacing <paramref name="task"/>'s inputs, without their removable rows: files, then
    /// graphs, then the manifest naming the inputs. Returns bytes read, bytes written and rows left out.
    /// </summary>
    private async Task<(long Read, long Written, long Removed)> WriteAsync(CollectionInfo collection, CompactionTask task, Shard shard, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var clock = Stopwatch.StartNew();
            var schema = collection.Schema;
            // Several reads at once: small segments cost round trips more than bytes.
            var inputs = new SealedSegment[task.Inputs.Count];
            await Parallel.ForAsync(0, inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = cancellationToken }, async (i, ct) =>
                inputs[i] = await history.ReadSegmentAsync(task.Inputs[i].Key, schema, ct).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"Segment {task.Inputs[i].Key} left history while it was compacted.")).ConfigureAwait(false);

            var kept = inputs.Select(i => Kept(i, schema, shard)).ToArray();
            var rows = RowBatch.Concat([.. inputs.Select((input, i) => input.Rows.Select(kept[i]))]);
            long[] timestamps = [.. inputs.SelectMany((input, i) => kept[i].Select(row => input.Timestamps[row]))];
            var id = (long)(await grains.GetGrain<ITsoGrain>(0).NextAsync().ConfigureAwait(false)).Value;
            var segment = new SealedSegment(
                new SegmentKey(collection.Id, task.PartitionId, id),
                task.VChannel,
                task.PChannel,
                schema,
                rows,
                timestamps,
                FieldColumn.Concat([.. inputs.Select(i => i.DeletedKeys)]),
                [.. inputs.SelectMany(i => i.DeleteTimestamps)],
                inputs.Max(i => i.EndPosition));
            var written = await history.WriteFilesAsync(segment, cancellationToken).ConfigureAwait(false);
            await graphs.StoreGraphsAsync(segment.Key, RowBlock.Sealed(schema, rows, timestamps), schema).ConfigureAwait(false);
            await history.CommitAsync(written with { CompactedFrom = [.. task.Inputs.Select(m => m.SegmentId)], CompactedAt = time.GetUtcNow() }, cancellationToken).ConfigureAwait(false);

            var (read, write, removed) = (task.Inputs.Sum(CompactionPlanner.Bytes), CompactionPlanner.Bytes(written), inputs.Sum(i => (long)i.Rows.RowCount) - rows.RowCount);
            CompactionMetrics.Segments.Add(task.Inputs.Count);
            CompactionMetrics.BytesRead.Add(read);
            CompactionMetrics.BytesWritten.Add(write);
            CompactionMetrics.RowsRemoved.Add(removed);
            CompactionMetrics.Duration.Record(clock.Elapsed.TotalSeconds);
            LogCompacted(logger, collection.Id, task.VChannel, task.PartitionId, task.Inputs.Count, id, rows.RowCount, removed, clock.Elapsed.TotalMilliseconds);
            return (read, write, removed);
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>Whether <paramref name="segment"/>'s removable rows reach the share that makes writing it again worth it.</summary>
    private async Task<bool> IsWorthRewritingAsync(SegmentManifest segment, CollectionSchema schema, Shard shard, Dictionary<long, int> checkedSegments, CancellationToken cancellationToken)
    {
        // Only a delete after a row can hide it, and only rows older than the TTL expire.
        var expires = schema.TtlSeconds > 0 && segment.MinTimestamp < RowBlock.LiveFrom(schema, shard.Horizon);
        var deletedAfter = shard.DeleteTimestamps.Count(ts => ts > segment.MinTimestamp);
        if (!expires && (deletedAfter == 0 || checkedSegments.GetValueOrDefault(segment.SegmentId, -1) == shard.DeleteTimestamps.Length))
        {
            return false;
        }

        var read = await history.ReadSegmentAsync(segment.Key, schema, cancellationToken).ConfigureAwait(false);
        if (read is null)
        {
            return false;
        }

        var removable = read.Rows.RowCount - Kept(read, schema, shard).Length;
        checkedSegments[segment.SegmentId] = shard.DeleteTimestamps.Length;
        return removable * 100L >= (long)options.Value.RemovablePercent * read.Rows.RowCount;
    }

    /// <summary>The rows of <paramref name="segment"/> some retained read may still see.</summary>
    private static int[] Kept(SealedSegment segment, CollectionSchema schema, Shard shard)
    {
        var block = RowBlock.Sealed(schema, segment.Rows, segment.Timestamps);
        var visible = block.Visible(shard.Deletes, shard.Horizon, filter: null);
        return [.. Enumerable.Range(0, block.Count).Where(row => block.Ts(row) > shard.Horizon || visible(row))];
    }

    /// <summary>The deletes of a shard's segments at or before <paramref name="horizon"/>: the ones that make rows removable.</summary>
    private async Task<DeleteLog> DeletesAsync(IEnumerable<SegmentManifest> shard, CollectionSchema schema, long horizon, CancellationToken cancellationToken)
    {
        var deletes = new DeleteLog();
        foreach (var manifest in shard.Where(m => m.Deletes > 0 && m.MinTimestamp <= horizon))
        {
            var (keys, timestamps) = await history.ReadDeletesAsync(manifest, schema.PrimaryKey, cancellationToken).ConfigureAwait(false);
            var due = Enumerable.Range(0, timestamps.Length).Where(i => timestamps[i] <= horizon).ToArray();
            deletes.Add(keys.Select(due).Values, [.. due.Select(i => timestamps[i])]);
        }

        return deletes;
    }

    /// <summary>The oldest timestamp a read may ask for: now less the retention.</summary>
    private long RetainedFrom() =>
        (long)HybridTimestamp.Compose(Math.Max(0, (time.GetUtcNow() - TimeSpan.FromHours(retention.Value.RetentionHours)).ToUnixTimeMilliseconds()), 0).Value;

    /// <summary>What compaction knows of one shard: its pchannel's checkpoint, the horizon and its deletes up to it.</summary>
    private sealed record Shard(PChannelCheckpoint? Checkpoint, long Horizon, DeleteLog Deletes)
    {
        public long[] DeleteTimestamps { get; } = Deletes.Timestamps();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Compacted collection {CollectionId}, {VChannel} partition {PartitionId}: {Inputs} segments into {SegmentId} ({Rows} rows, {Removed} removed) in {Ms:F0} ms")]
    private static partial void LogCompacted(ILogger logger, long collectionId, string vchannel, long partitionId, int inputs, long segmentId, int rows, long removed, double ms);
}
