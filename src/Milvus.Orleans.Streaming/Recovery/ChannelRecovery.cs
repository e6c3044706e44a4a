using Microsoft.Extensions.Logging;
using Milvus.Orleans.Grains;
using Milvus.Orleans.History.Checkpoints;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Streaming.Buffers;
using Milvus.Orleans.Streaming.Wal;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Streaming.Recovery;

/// <summary>What a pchannel's recovery needs from the silo.</summary>
internal sealed record RecoveryServices(
    IWalStorage Storage,
    MessageCodec Codec,
    IHistoryStore History,
    ICheckpointStore Checkpoints,
    SealPolicy Policy,
    BufferBudget Budget,
    RunningRecoveries Running,
    OpenLogs Logs,
    bool WalEnabled,
    bool RecoveryErrorIgnore,
    IGrainFactory Grains,
    TimeProvider Time,
    ILogger Logger);

/// <summary>
/// One term's reading of a pchannel's log into history, on the thread pool: from the checkpoint, through the
/// <see cref="ChannelHistory"/>, writing each sealed segment and then a checkpoint, and truncating the log behind
/// it. A failure starts it again from the last checkpoint (what was growing is rebuilt by the replay), until the
/// term ends: a checkpoint of a newer term fences it.
/// </summary>
internal sealed partial class ChannelRecovery : IAsyncDisposable
{
    private const int CheckpointEveryMessages = 100;
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    private readonly RecoveryServices _services;
    private readonly TaskCompletionSource _replayed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<FlushWaiter> _waiters = [];
    private readonly Task _running;
    private ChannelHistory _history;
    private long _accounted;
    private MilvusException? _stopped;

    public ChannelRecovery(string pchannel, long term, long durableEnd, RecoveryServices services)
    {
        PChannel = pchannel;
        Term = term;
        _services = services;
        _history = new ChannelHistory(pchannel, services.Policy, null);
        services.Running.Add(this);
        _running = Task.Run(() => RunAsync(durableEnd), CancellationToken.None);
    }

    public string PChannel { get; }

    public long Term { get; }

    /// <summary>Completes once everything before the durable end the log was opened at was taken again.</summary>
    public Task Replayed => _replayed.Task;

    public Task<long[]> WaitFlushedAsync(string vchannel, long flushId)
    {
        lock (_gate)
        {
            if (_stopped is not null)
            {
                return Task.FromException<long[]>(_stopped);
            }

            if (_history.TryGetFlush(vchannel, flushId, out var segments))
            {
                return Task.FromResult(segments);
            }

            var waiter = new FlushWaiter(vchannel, flushId);
            _waiters.Add(waiter);
            return waiter.Done.Task;
        }
    }

    public VChannelProgress Progress(string vchannel)
    {
        lock (_gate)
        {
            return _history.Progress(vchannel);
        }
    }

    /// <summary>The progress of every vchannel with data in this term.</summary>
    public IReadOnlyList<(string VChannel, VChannelProgress Progress)> Progress()
    {
        lock (_gate)
        {
            return _history.Progress();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _services.Running.Remove(this);
        await _stop.CancelAsync().ConfigureAwait(false);
        await _running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
        lock (_gate)
        {
            Account(null);
        }

        // An owner still waiting for this term's replay must not wait forever: the pchannel moved on.
        var stopped = new MilvusException(ErrorCode.ChannelNotReady, $"pchannel '{PChannel}' stopped recovering in term {Term}; retry.");
        _replayed.TrySetException(stopped);
        FailWaiters(stopped);
    }

    private async Task RunAsync(long durableEnd)
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await ReadAsync(durableEnd, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (MilvusException ex) when (ex.Code is ErrorCode.Fenced or ErrorCode.RecoveryFailed)
            {
                Stop(ex);
                return;
            }
            catch (WalCorruptException ex)
            {
                // The storage skips corrupt records itself under RecoveryErrorIgnore; it throws only when told not to.
                Stop(new MilvusException(
                    ErrorCode.RecoveryFailed,
                    $"pchannel '{PChannel}': {ex.Message} Until then the pchannel takes no writes."));
                return;
            }
            catch (Exception ex)
            {
                // Storage briefly unreachable, or the log moving: start again from the last checkpoint.
                LogRestarting(_services.Logger, PChannel, Term, ex);
                await Task.Delay(RetryDelay, _services.Time, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private void Stop(MilvusException reason)
    {
        LogStopped(_services.Logger, PChannel, Term, reason);
        lock (_gate)
        {
            // Whoever waits on this term from now on hears why it stopped, instead of waiting for ever.
            _stopped = reason;
        }

        _replayed.TrySetException(reason);
        FailWaiters(reason);
    }

    private async Task ReadAsync(long durableEnd, CancellationToken stop)
    {
        var services = _services;
        var started = services.Time.GetTimestamp();
        var checkpoint = await services.Checkpoints.ReadAsync(PChannel, stop).ConfigureAwait(false);
        if (checkpoint is not null && checkpoint.Term != Term && !services.WalEnabled)
        {
            // Without the WAL the log lives in its owner's memory: an earlier owner's unflushed writes went with it,
            // and its positions mean nothing in this log.
            checkpoint = checkpoint with { Position = durableEnd, Persisted = null };
        }
        else if (checkpoint is not null && checkpoint.Position > durableEnd)
        {
            Lost($"the log ends at {durableEnd}, before its checkpoint at {checkpoint.Position}");
            // The checkpoint cannot say what history holds of the log that is left: the segments' manifests can.
            checkpoint = checkpoint with { Position = 0, Persisted = await PersistedInHistoryAsync(durableEnd, stop).ConfigureAwait(false), Requests = null };
        }

        var history = new ChannelHistory(PChannel, services.Policy, checkpoint);
        lock (_gate)
        {
            // What an earlier reading sealed and did not write is sealed again by this one, under the same ids.
            _unwritten.Clear();
            _history = history;
            Account(history);
        }

        var from = history.Resume;
        LogReplaying(services.Logger, PChannel, Term, from, durableEnd);
        var written = checkpoint;
        var truncated = 0L;
        var dirty = 0;
        var lastCheckpoint = started;
        if (from >= durableEnd)
        {
            _replayed.TrySetResult();
        }

        var first = true;
        await foreach (var record in services.Storage.ReadAsync(PChannel, new WalPosition(from), follow: true, stop).ConfigureAwait(false))
        {
            if (first && record.Id.Value > from)
            {
                Lost($"records {from}..{record.Id.Value} are gone from the log although the checkpoint (or its absence) says history does not hold them");
                // The checkpoint is older than the log: what history holds of the records left is in its manifests, and
                // taking them again would write them twice.
                var persisted = await PersistedInHistoryAsync(durableEnd, stop).ConfigureAwait(false);
                lock (_gate)
                {
                    history.SkipPersisted(persisted);
                }
            }

            first = false;
            if (!_replayed.Task.IsCompleted)
            {
                RecoveryMetrics.Replayed.Add(1);
            }

            // Room first: a record that would take growing data past the silo's share makes this pchannel give up
            // its largest growing segment, written before the record is taken.
            SealedSegment? pressured = null;
            lock (_gate)
            {
                if (!services.Budget.GrowingFits(record.Payload.Length) && history.SealLargest() is { } largest)
                {
                    pressured = largest;
                    Keep([largest]);
                    Account(history);
                    LogPressureSeal(services.Logger, PChannel, largest.Key.CollectionId, largest.Key.PartitionId, largest.Key.SegmentId, services.Budget.Growing);
                }
            }

            if (pressured is not null)
            {
                await WriteAsync(history, [pressured], stop).ConfigureAwait(false);
            }

            var sealedNow = await TakeAsync(history, record, stop).ConfigureAwait(false);
            dirty++;
            await WriteAsync(history, sealedNow, stop).ConfigureAwait(false);
            if (pressured is not null || sealedNow.Count > 0 || dirty >= CheckpointEveryMessages || services.Time.GetElapsedTime(lastCheckpoint) >= CheckpointInterval)
            {
                PChannelCheckpoint next;
                lock (_gate)
                {
                    next = history.Checkpoint(Term);
                }

                if (!SameCheckpoint(written, next))
                {
                    await services.Checkpoints.WriteAsync(next, stop).ConfigureAwait(false);
                    written = next;
                }

                (dirty, lastCheckpoint) = (0, services.Time.GetTimestamp());
                if (_replayed.Task.IsCompleted && next.Position > truncated)
                {
                    truncated = await TruncateAsync(next.Position, truncated, stop).ConfigureAwait(false);
                }
            }

            if (record.Next.Value >= durableEnd && _replayed.TrySetResult())
            {
                var elapsed = services.Time.GetElapsedTime(started);
                RecoveryMetrics.ReplayedBytes.Add(durableEnd - from);
                RecoveryMetrics.ReplayDuration.Record(elapsed.TotalMilliseconds);
                LogReplayed(services.Logger, PChannel, Term, from, durableEnd, elapsed.TotalMilliseconds);
            }

            CompleteWaiters(history);
        }
    }

    /// <summary>Writes <paramref name="segments"/> to history; then everything sealed so far is written.</summary>
    private async Task WriteAsync(ChannelHistory history, List<SealedSegment> segments, CancellationToken stop)
    {
        foreach (var segment in segments)
        {
            var manifest = await SegmentWrites.RunAsync(() => _services.History.WriteSegmentAsync(segment, stop), stop).ConfigureAwait(false);
            RecoveryMetrics.SegmentsWritten.Add(1);
            LogSegmentWritten(_services.Logger, PChannel, manifest.CollectionId, manifest.PartitionId, manifest.SegmentId, manifest.Rows, manifest.Deletes);
        }

        lock (_gate)
        {
            history.Written();
            MarkWritten(segments);
            Account(history);
        }
    }

    /// <summary>Brings the silo's budget to what <paramref name="history"/> holds (the one being read, or a new one).</summary>
    private void Account(ChannelHistory? history)
    {
        var held = history is null ? 0 : history.HeldBytes + KeptBytes;
        _services.Budget.AddGrowing(held - _accounted);
        _accounted = held;
    }

    private async Task<List<SealedSegment>> TakeAsync(ChannelHistory history, WalRecord record, CancellationToken stop)
    {
        LoggedMessage message;
        try
        {
            message = _services.Codec.Decode(record);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Lost($"record {record.Id.Value} cannot be read ({ex.Message})");
            RecoveryMetrics.Skipped.Add(1);
            lock (_gate)
            {
                history.Pass(record.Id.Value, record.Next.Value);
            }

            return [];
        }

        if (history.Unknown(message) is { } collectionId)
        {
            var collection = await _services.Grains.GetGrain<ICatalogGrain>(0).GetCollectionAsync(collectionId).WaitAsync(stop).ConfigureAwait(false);
            history.Learn(collectionId, collection);
        }

        lock (_gate)
        {
            try
            {
                List<SealedSegment> sealedNow = [.. history.Take(message, _services.Time.GetUtcNow())];
                Keep(sealedNow);
                return sealedNow;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A record that decodes but cannot be applied fails every replay the same way: never retry it forever.
                Lost($"record {record.Id.Value} ({message.Message.Kind}) cannot be applied ({ex.GetType().Name}: {ex.Message})");
                RecoveryMetrics.Skipped.Add(1);
                history.Pass(record.Id.Value, record.Next.Value);
                return [];
            }
        }
    }

    /// <summary>
    /// What history holds of each (vchannel, partition) of this pchannel, from the segments' manifests: through the last
    /// message before their end position, for segments that end within the log as it is (up to <paramref name="logEnd"/>).
    /// </summary>
    private async Task<List<PersistedPartition>> PersistedInHistoryAsync(long logEnd, CancellationToken stop)
    {
        var ends = new Dictionary<(string VChannel, long PartitionId), long>();
        await foreach (var manifest in _services.History.ListSegmentsAsync(stop).ConfigureAwait(false))
        {
            if (string.Equals(manifest.PChannel, PChannel, StringComparison.Ordinal) && manifest.VChannel is { } vchannel && manifest.EndPosition <= logEnd)
            {
                var key = (vchannel, manifest.PartitionId);
                ends[key] = Math.Max(ends.GetValueOrDefault(key), manifest.EndPosition);
            }
        }

        return [.. ends.Select(e => new PersistedPartition(e.Key.VChannel, e.Key.PartitionId, e.Value - 1, int.MaxValue))];
    }

    /// <summary>The first copy of client request <paramref name="requestId"/> of <paramref name="vchannel"/>, if it was taken within the dedup window.</summary>
    public SeenRequest? FindRequest(string vchannel, Guid requestId)
    {
        lock (_gate)
        {
            return _history.FindRequest(vchannel, requestId);
        }
    }

    /// <summary>History would miss something: go on past it (reported) under RecoveryErrorIgnore, else stop the channel.</summary>
    private void Lost(string what)
    {
        if (!_services.RecoveryErrorIgnore)
        {
            throw new MilvusException(
                ErrorCode.RecoveryFailed,
                $"pchannel '{PChannel}': {what}. Milvus:Wal:RecoveryErrorIgnore is false, so the pchannel takes no writes; set it to true to go on without that data.");
        }

        LogLost(_services.Logger, PChannel, what);
    }

    private async Task<long> TruncateAsync(long position, long truncated, CancellationToken stop)
    {
        // Recovery runs on the silo of its log; a log of another term (or none) is not this recovery's to truncate.
        if (_services.Logs.Find(PChannel) is not { } log || log.Term != Term)
        {
            return truncated;
        }

        try
        {
            await log.TruncateAsync(position).AsTask().WaitAsync(stop).ConfigureAwait(false);
            return position;
        }
        catch (Exception ex) when (!stop.IsCancellationRequested)
        {
            // The log keeps a little more until the next checkpoint; nothing is lost.
            LogTruncateFailed(_services.Logger, PChannel, position, ex);
            return truncated;
        }
    }

    private static bool SameCheckpoint(PChannelCheckpoint? written, PChannelCheckpoint next) =>
        written is not null
        && written.Term == next.Term
        && written.Position == next.Position
        && written.Timestamp == next.Timestamp
        && (written.Persisted ?? []).SequenceEqual(next.Persisted ?? []);

    private void CompleteWaiters(ChannelHistory history)
    {
        lock (_gate)
        {
            _appliedWaiters.Complete(history.Applied);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                var waiter = _waiters[i];
                if (history.TryGetFlush(waiter.VChannel, waiter.FlushId, out var segments) || waiter.FlushId <= history.WrittenThrough)
                {
                    // A flush taken before this reading began (it restarted from a later checkpoint) sealed segments
                    // already in history; their ids are not known any more.
                    waiter.Done.TrySetResult(segments ?? []);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private void FailWaiters(Exception exception)
    {
        lock (_gate)
        {
            _appliedWaiters.Fail(exception);
            foreach (var waiter in _waiters)
            {
                waiter.Done.TrySetException(exception);
            }

            _waiters.Clear();
        }
    }

    private sealed record FlushWaiter(string VChannel, long FlushId)
    {
        public TaskCompletionSource<long[]> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "pchannel {PChannel} (term {Term}): replaying the log from {From} to {DurableEnd}")]
    private static partial void LogReplaying(ILogger logger, string pchannel, long term, long from, long durableEnd);

    [LoggerMessage(Level = LogLevel.Information, Message = "pchannel {PChannel} (term {Term}): replayed {From}..{DurableEnd} in {Ms:F0} ms")]
    private static partial void LogReplayed(ILogger logger, string pchannel, long term, long from, long durableEnd, double ms);

    [LoggerMessage(Level = LogLevel.Debug, Message = "pchannel {PChannel}: segment {CollectionId}/{PartitionId}/{SegmentId} written ({Rows} rows, {Deletes} deletes)")]
    private static partial void LogSegmentWritten(ILogger logger, string pchannel, long collectionId, long partitionId, long segmentId, int rows, int deletes);

    [LoggerMessage(Level = LogLevel.Debug, Message = "pchannel {PChannel}: segment {CollectionId}/{PartitionId}/{SegmentId} sealed under memory pressure ({Held} bytes held by the silo)")]
    private static partial void LogPressureSeal(ILogger logger, string pchannel, long collectionId, long partitionId, long segmentId, long held);

    [LoggerMessage(Level = LogLevel.Error, Message = "pchannel {PChannel}: {What}; going on without it (Milvus:Wal:RecoveryErrorIgnore)")]
    private static partial void LogLost(ILogger logger, string pchannel, string what);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pchannel {PChannel} (term {Term}): recovery failed; starting again from the checkpoint")]
    private static partial void LogRestarting(ILogger logger, string pchannel, long term, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pchannel {PChannel} (term {Term}): recovery stopped")]
    private static partial void LogStopped(ILogger logger, string pchannel, long term, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pchannel {PChannel}: truncating the log up to {Position} failed")]
    private static partial void LogTruncateFailed(ILogger logger, string pchannel, long position, Exception exception);
}
