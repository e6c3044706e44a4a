using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Grains;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Streaming.Configuration;

namespace Milvus.Orleans.Streaming.Lifecycle;

/// <summary>
/// One sweep of history: the files of every collection and partition dropped at least the retention ago are deleted,
/// then the catalog forgets them; then the segments compaction replaced at least the retention ago, and those whose
/// writing never completed (no manifest) and stopped at least the retention, and an hour, ago (no write in progress
/// takes that long). A sweep that fails part-way leaves the rest to the next one (deleting is idempotent).
/// </summary>
internal sealed partial class HistoryCollector(IHistoryStore history, IOptions<HistoryOptions> options, TimeProvider time, ILogger<HistoryCollector> logger)
{
    private static readonly Meter Meter = new("Milvus.Orleans");

    /// <summary>History files of dropped collections and partitions deleted.</summary>
    private static readonly Counter<long> Deleted = Meter.CreateCounter<long>("milvus.history.gc.deleted", "{file}");

    /// <summary>The least time a segment without a manifest stays: a write in progress is never older.</summary>
    private static readonly TimeSpan AbandonedAfter = TimeSpan.FromHours(1);

    public async Task<int> SweepAsync(ICatalogGrain catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var cutoff = time.GetUtcNow() - TimeSpan.FromHours(options.Value.RetentionHours);
        var due = (await catalog.GetDroppedHistoryAsync().ConfigureAwait(true)).Where(d => d.DroppedAt <= cutoff).ToList();
        var files = 0;
        foreach (var dropped in due)
        {
            var deleted = await history.DeleteAsync(dropped.CollectionId, dropped.PartitionId, CancellationToken.None).ConfigureAwait(true);
            files += deleted;
            Deleted.Add(deleted);
            LogDeleted(logger, dropped.CollectionId, dropped.PartitionId, deleted, dropped.DroppedAt);
        }

        if (due.Count > 0)
        {
            await catalog.ForgetDroppedHistoryAsync(due).ConfigureAwait(true);
        }

        var stored = await history.ListStoredAsync(CancellationToken.None).ToListAsync().ConfigureAwait(true);
        var abandonedBefore = Min(cutoff, time.GetUtcNow() - AbandonedAfter);
        foreach (var segment in SegmentRetention.Collectable(stored, cutoff, abandonedBefore))
        {
            var deleted = await history.DeleteSegmentAsync(segment, CancellationToken.None).ConfigureAwait(true);
            files += deleted;
            Deleted.Add(deleted);
            LogSegmentDeleted(logger, segment.CollectionId, segment.PartitionId, segment.SegmentId, deleted);
        }

        return files;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted segment {CollectionId}/{PartitionId}/{SegmentId} (replaced by compaction, or never completed): {Files} files")]
    private static partial void LogSegmentDeleted(ILogger logger, long collectionId, long partitionId, long segmentId, int files);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted the history of dropped collection {CollectionId} (partition {PartitionId}; none: all of it): {Files} files, dropped at {DroppedAt:O}")]
    private static partial void LogDeleted(ILogger logger, long collectionId, long? partitionId, int files, DateTimeOffset droppedAt);
}

/// <summary>The collector's grain: sweeps run one at a time, wherever the grain lives.</summary>
internal sealed class HistoryCollectorGrain(HistoryCollector collector) : Grain, IHistoryCollectorGrain
{
    public Task<int> SweepAsync() => collector.SweepAsync(GrainFactory.GetGrain<ICatalogGrain>(0));
}

/// <summary>Asks the collector to sweep every <see cref="Period"/> from every silo, so a sweep runs while any silo does.</summary>
internal sealed partial class HistorySweeps(IGrainFactory grains, TimeProvider time, ILogger<HistorySweeps> logger) : Microsoft.Extensions.Hosting.BackgroundService
{
    /// <summary>How often each silo asks for a sweep.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await grains.GetGrain<IHistoryCollectorGrain>(0).SweepAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Storage or the catalog unreachable for now: the next period tries again.
                LogSweepFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A sweep of dropped history failed; the next one tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
