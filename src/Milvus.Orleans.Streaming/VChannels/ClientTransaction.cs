using Milvus.Orleans.Messages;

namespace Milvus.Orleans.Streaming.VChannels;

/// <summary>
/// A transaction a client holds open on one vchannel across calls. Its operations run one at a time, so the
/// grain knows the timestamp of its last logged message exactly and decides expiry as readers do (see
/// <see cref="VChannelMessageFilter"/>): a message logged more than the keep-alive after the one before gives
/// the transaction up. A request retried under its id gets the first attempt's outcome.
/// </summary>
internal sealed class ClientTransaction(long id, long collectionId, Guid beginRequest, TimeSpan keepAlive, HybridTimestamp begun, DateTimeOffset now)
{
    // The last operation's end; each operation waits for it. Only touched in the grain's turns, so no locks.
    private Task _tail = Task.CompletedTask;
    private readonly Dictionary<Guid, Task<WriteResult>> _requests = [];
    private HybridTimestamp _last = begun;
    private long _written;

    public long Id { get; } = id;

    public long CollectionId { get; } = collectionId;

    public Guid BeginRequest { get; } = beginRequest;

    public TimeSpan KeepAlive { get; } = keepAlive;

    /// <summary>When the client last did anything with it, by the silo's clock.</summary>
    public DateTimeOffset LastActivity { get; private set; } = now;

    /// <summary>Whether no more operations are taken: committed, rolled back or expired.</summary>
    public bool IsClosed { get; private set; }

    /// <summary>
    /// Runs <paramref name="operation"/> for request <paramref name="requestId"/> once, after the operations before
    /// it; a retry of the same request waits for and returns the first attempt's outcome unless it failed.
    /// </summary>
    public Task<WriteResult> RunAsync(Guid requestId, DateTimeOffset now, Func<Task<WriteResult>> operation)
    {
        LastActivity = now;
        if (_requests.TryGetValue(requestId, out var running) && !running.IsFaulted && !running.IsCanceled)
        {
            return running;
        }

        var task = RunInTurnAsync(operation);
        _requests[requestId] = task;
        return task;
    }

    /// <summary>Writes a keep-alive unless an operation runs now (its message keeps the transaction alive).</summary>
    public async Task KeepAliveAsync(DateTimeOffset now, Func<Task<HybridTimestamp>> append)
    {
        LastActivity = now;
        if (IsClosed || !_tail.IsCompleted)
        {
            return;
        }

        await InTurnAsync(async () =>
        {
            var ts = await append().ConfigureAwait(true);
            Logged(ts, ts);
            return true;
        }).ConfigureAwait(true);
    }

    /// <summary>Counts rows or keys written in the transaction; the commit reports the total.</summary>
    public void AddWritten(long count) => _written += count;

    /// <summary>The outcome of a commit logged at <paramref name="ts"/>.</summary>
    public WriteResult Committed(HybridTimestamp ts) => new(_written, ts);

    /// <summary>Stops taking operations.</summary>
    public void Close() => IsClosed = true;

    /// <summary>
    /// Records the messages of one operation, logged from <paramref name="first"/> to <paramref name="last"/>;
    /// throws <see cref="ErrorCode.TransactionExpired"/> if readers gave the transaction up before the first.
    /// </summary>
    public void Logged(HybridTimestamp first, HybridTimestamp last)
    {
        if (first.PhysicalMs - _last.PhysicalMs > (long)KeepAlive.TotalMilliseconds)
        {
            IsClosed = true;
            throw Expired();
        }

        _last = last;
    }

    private Task<WriteResult> RunInTurnAsync(Func<Task<WriteResult>> operation) =>
        InTurnAsync(() => IsClosed
            ? throw new MilvusException(ErrorCode.TransactionNotFound, $"Transaction {Id} is closed: it was committed, rolled back or expired.")
            : operation());

    private async Task<T> InTurnAsync<T>(Func<Task<T>> operation)
    {
        var previous = _tail;
        var done = new TaskCompletionSource();
        _tail = done.Task;
        try
        {
            await previous.ConfigureAwait(true);
            return await operation().ConfigureAwait(true);
        }
        finally
        {
            done.SetResult();
        }
    }

    private MilvusException Expired() => new(
        ErrorCode.TransactionExpired,
        $"Transaction {Id} went more than its keep-alive of {KeepAlive.TotalSeconds:0.###} s without a message and was rolled back; send keep-alives or commit sooner.");
}
