using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Streaming.Buffers;
using Milvus.Orleans.Streaming.Tso;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Streaming.Wal;

/// <summary>
/// The write loop of one pchannel. Callers only enqueue; the loop drains the queue, stamps each message with the
/// next timestamp in the order it writes them (so log order is timestamp order), appends the batch with one
/// durable flush, then completes every caller. When nothing arrives for a tick interval it writes a time tick.
/// </summary>
internal sealed partial class ChannelAppender : IAsyncDisposable
{
    /// <summary>Most bytes (estimated) the loop puts into one append.</summary>
    internal const long MaxBatchBytes = 8L * 1024 * 1024;

    /// <summary>How long the loop waits for timestamps while the oracle moves to another silo.</summary>
    internal static readonly TimeSpan TimestampDeadline = TimeSpan.FromSeconds(30);

    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>(new() { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly IWalWriter _writer;
    private readonly TimestampCache _tso;
    private readonly BufferBudget _budget;
    private readonly MessageCodec _codec;
    private readonly TimeSpan _tickInterval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Task _loop;
    private ulong _lastTs;
    private long _lastConfirmedId = -1;
    private Exception? _failure;

    /// <param name="writer">The log's writer, opened with the owner's term.</param>
    /// <param name="tso">Where timestamps come from.</param>
    /// <param name="budget">The silo's bound on appends waiting for their log.</param>
    /// <param name="codec">Turns messages into records.</param>
    /// <param name="floor">A fresh timestamp from the oracle taken after the log was opened: every message of this
    /// owner gets a larger one, so timestamps keep growing across owners.</param>
    /// <param name="tickInterval">How long the channel may stay silent before a time tick is written.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Where failures are reported.</param>
    public ChannelAppender(IWalWriter writer, TimestampCache tso, BufferBudget budget, MessageCodec codec, HybridTimestamp floor, TimeSpan tickInterval, TimeProvider time, ILogger logger)
    {
        _writer = writer;
        _tso = tso;
        _budget = budget;
        _codec = codec;
        _lastTs = floor.Value;
        _tickInterval = tickInterval;
        _time = time;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The pchannel whose log this is.</summary>
    public string PChannel => _writer.Log;

    /// <summary>The owner's term.</summary>
    public long Term => _writer.Term;

    /// <summary>Id of the last durable message written by this owner, or -1.</summary>
    public long LastConfirmedId => Interlocked.Read(ref _lastConfirmedId);

    /// <summary>Where the next message will start.</summary>
    public long DurableEnd => _writer.DurableEnd.Value;

    /// <summary>The last time tick: every message written later has a larger timestamp.</summary>
    public HybridTimestamp LastTimeTick => new(Volatile.Read(ref _lastTs));

    /// <summary>
    /// Appends <paramref name="messages"/> contiguously; completes once they are durable. Waits first while the
    /// silo's appends fill their share of the buffer bound, and fails with <see cref="ErrorCode.Backpressure"/> if
    /// no room comes in time.
    /// </summary>
    public async Task<IReadOnlyList<AppendResult>> AppendAsync(IReadOnlyList<WalMessage> messages)
    {
        var pending = new PendingAppend(messages, messages.Sum(m => m.EstimatedBytes));
        await _budget.EnterAppendAsync(pending.Bytes, _writer.Log, _stopping.Token).ConfigureAwait(false);
        if (!_queue.Writer.TryWrite(pending))
        {
            _budget.LeaveAppend(pending.Bytes);
            throw Stopped();
        }

        return await pending.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>Removes whole log segments before <paramref name="position"/>.</summary>
    public ValueTask TruncateAsync(long position) => _writer.TruncateAsync(new WalPosition(position), _stopping.Token);

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        FailQueued(Stopped());
        await _writer.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var batch = new List<PendingAppend>();
        Task<bool>? waiting = null;
        try
        {
            while (true)
            {
                waiting ??= _queue.Reader.WaitToReadAsync(_stopping.Token).AsTask();
                try
                {
                    await waiting.WaitAsync(_tickInterval, _time, _stopping.Token).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    await WriteAsync([new PendingAppend([new WalMessage(MessageKind.TimeTick, string.Empty, 0)], 0)]).ConfigureAwait(false);
                    continue;
                }

                if (!await waiting.ConfigureAwait(false))
                {
                    return;
                }

                waiting = null;
                long bytes = 0;
                var messages = 0;
                // One batch takes one timestamp range, and the oracle hands out at most MaxBatch per call.
                while (bytes < MaxBatchBytes && _queue.Reader.TryPeek(out var next) && messages + next.Messages.Count <= ITsoGrain.MaxBatch)
                {
                    _queue.Reader.TryRead(out _);
                    batch.Add(next);
                    messages += next.Messages.Count;
                    bytes += next.Bytes;
                }

                await WriteAsync(batch).ConfigureAwait(false);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            FailAll(batch, Stopped());
        }
        catch (Exception ex)
        {
            // The log's state is unknown after a failed append: stop, and let the next opening recover it. A storage
            // failure (a full disk, a failed flush) acknowledged nothing: callers retry, and the grain opens the log again.
            _failure = ex switch
            {
                WalFencedException fenced => new MilvusException(ErrorCode.Fenced, $"pchannel '{_writer.Log}': {fenced.Message}"),
                IOException storage => new MilvusException(
                    ErrorCode.ChannelNotReady,
                    $"pchannel '{_writer.Log}' (term {_writer.Term}): the log's storage failed ({storage.Message}); nothing of this write was acknowledged. The log is opened again; retry.",
                    storage),
                _ => ex,
            };
            LogStopped(_logger, _writer.Log, _writer.Term, ex);
            _queue.Writer.TryComplete();
            FailAll(batch, _failure);
            FailQueued(_failure);
        }
    }

    private async Task WriteAsync(List<PendingAppend> batch)
    {
        var count = batch.Sum(p => p.Messages.Count);
        // Nothing is written yet, so an oracle that is moving between silos is waited for, not a reason to stop.
        var floor = LastTimeTick;
        var range = await TransientRetry.RunAsync(() => _tso.AllocateAsync(count, floor).AsTask(), TimestampDeadline, _time, _stopping.Token).ConfigureAwait(false);
        var entries = new WalEntry[count];
        var k = 0;
        foreach (var pending in batch)
        {
            foreach (var message in pending.Messages)
            {
                entries[k] = _codec.Encode(new HybridTimestamp(range.First.Value + (ulong)k), message);
                k++;
            }
        }

        var ids = await _writer.AppendAsync(entries, _stopping.Token).ConfigureAwait(false);
        Volatile.Write(ref _lastTs, range.Last.Value);
        Interlocked.Exchange(ref _lastConfirmedId, ids[^1].Value);
        k = 0;
        foreach (var pending in batch)
        {
            var results = new AppendResult[pending.Messages.Count];
            for (var i = 0; i < results.Length; i++, k++)
            {
                results[i] = new AppendResult(ids[k].Value, new HybridTimestamp(range.First.Value + (ulong)k));
            }

            if (pending.Completion.TrySetResult(results))
            {
                _budget.LeaveAppend(pending.Bytes);
            }
        }
    }

    private void FailQueued(Exception error)
    {
        while (_queue.Reader.TryRead(out var pending))
        {
            Fail(pending, error);
        }
    }

    private void FailAll(List<PendingAppend> batch, Exception error)
    {
        foreach (var pending in batch)
        {
            Fail(pending, error);
        }
    }

    private void Fail(PendingAppend pending, Exception error)
    {
        if (pending.Completion.TrySetException(error))
        {
            _budget.LeaveAppend(pending.Bytes);
        }
    }

    private MilvusException Stopped() => _failure as MilvusException ?? new MilvusException(
        ErrorCode.ChannelNotReady, $"pchannel '{_writer.Log}' (term {_writer.Term}) stopped taking writes; retry once it has moved.");

    [LoggerMessage(Level = LogLevel.Warning, Message = "pchannel {PChannel} (term {Term}) stopped after a failed append")]
    private static partial void LogStopped(ILogger logger, string pchannel, long term, Exception exception);

    private sealed class PendingAppend(IReadOnlyList<WalMessage> messages, long bytes)
    {
        public IReadOnlyList<WalMessage> Messages { get; } = messages;

        /// <summary>Its estimated size, held in the buffer budget from admission until written or failed.</summary>
        public long Bytes { get; } = bytes;

        public TaskCompletionSource<IReadOnlyList<AppendResult>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
