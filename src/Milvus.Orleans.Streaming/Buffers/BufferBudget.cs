using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Wal;

namespace Milvus.Orleans.Streaming.Buffers;

/// <summary>
/// What a silo holds of <c>Milvus:Wal:BufferSizeMb</c> besides the write-ahead buffers (which take half): appends
/// waiting for their log (an eighth), and growing segments with the sealed ones not yet written (three eighths).
/// Appends past their share wait, and fail with <see cref="ErrorCode.Backpressure"/> if no room comes in time; growing
/// segments past theirs are sealed by their recovery, largest first.
/// </summary>
internal sealed class BufferBudget : IDisposable
{
    /// <summary>How long an append waits for room before it is refused (the client retries until its deadline).</summary>
    public static readonly TimeSpan AppendWait = TimeSpan.FromSeconds(5);

    private readonly Meter _meter = new("Milvus.Orleans");
    private readonly Counter<long> _waits;
    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _waiters = [];
    private readonly TimeProvider _time;
    private long _appends;
    private long _growing;

    public BufferBudget(IOptions<WalOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var total = options.Value.BufferSizeMb * 1024L * 1024;
        AppendLimit = total / 8;
        GrowingLimit = total * 3 / 8;
        _time = time;
        _waits = _meter.CreateCounter<long>("milvus.buffer.backpressure", "{append}", "Appends that waited for room in the buffer bound.");
        _meter.CreateObservableGauge("milvus.buffer.bytes", () => Appends + Growing, "By", "Appends waiting for the log plus growing segments.");
    }

    public long AppendLimit { get; }

    public long GrowingLimit { get; }

    /// <summary>Bytes of appends admitted and not yet written.</summary>
    public long Appends => Volatile.Read(ref _appends);

    /// <summary>Bytes of growing segments, and of sealed ones until written.</summary>
    public long Growing => Interlocked.Read(ref _growing);

    /// <summary>Appends that had to wait for room, since the silo started.</summary>
    public long AppendsWaited { get; private set; }

    /// <summary>Whether growing data can take <paramref name="bytes"/> more and stay within its share.</summary>
    public bool GrowingFits(long bytes) => Growing + bytes <= GrowingLimit;

    /// <summary>Growing segments changed by <paramref name="delta"/> bytes; never refused (the log holds them already).</summary>
    public void AddGrowing(long delta) => Interlocked.Add(ref _growing, delta);

    /// <summary>
    /// Admits an append of <paramref name="bytes"/>, in arrival order: at once if it fits (or nothing else is held),
    /// else once enough is written, failing with <see cref="ErrorCode.Backpressure"/> after <see cref="AppendWait"/>.
    /// </summary>
    public ValueTask EnterAppendAsync(long bytes, string pchannel, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (_waiters.Count == 0 && Fits(bytes))
            {
                _appends += bytes;
                return ValueTask.CompletedTask;
            }

            waiter = new Waiter(bytes);
            _waiters.AddLast(waiter.Node);
            AppendsWaited++;
        }

        _waits.Add(1);
        return WaitAsync(waiter, pchannel, cancellationToken);
    }

    /// <summary>An admitted append of <paramref name="bytes"/> is written (or failed): its room goes to those waiting.</summary>
    public void LeaveAppend(long bytes)
    {
        lock (_lock)
        {
            _appends -= bytes;
            while (_waiters.First is { } first && Fits(first.Value.Bytes))
            {
                _appends += first.Value.Bytes;
                _waiters.RemoveFirst();
                first.Value.Admitted.TrySetResult();
            }
        }
    }

    public void Dispose() => _meter.Dispose();

    private bool Fits(long bytes) => _appends == 0 || _appends + bytes <= AppendLimit;

    private async ValueTask WaitAsync(Waiter waiter, string pchannel, CancellationToken cancellationToken)
    {
        try
        {
            await waiter.Admitted.Task.WaitAsync(AppendWait, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            lock (_lock)
            {
                if (!waiter.Admitted.Task.IsCompleted)
                {
                    _waiters.Remove(waiter.Node);
                    if (ex is OperationCanceledException)
                    {
                        throw;
                    }

                    throw new MilvusException(
                        ErrorCode.Backpressure,
                        $"pchannel '{pchannel}': {Appends / 1024 / 1024} MiB of appends are waiting for the log, the most Milvus:Wal:BufferSizeMb allows; nothing was written, retry later.");
                }
            }

            // Admitted just as the wait ended: a timeout goes ahead; a cancelled caller gives the room back.
            if (ex is OperationCanceledException)
            {
                LeaveAppend(waiter.Bytes);
                throw;
            }
        }
    }

    private sealed class Waiter
    {
        public Waiter(long bytes)
        {
            Bytes = bytes;
            Node = new LinkedListNode<Waiter>(this);
        }

        public long Bytes { get; }

        public LinkedListNode<Waiter> Node { get; }

        public TaskCompletionSource Admitted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
