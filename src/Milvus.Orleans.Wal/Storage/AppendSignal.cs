namespace Milvus.Orleans.Wal.Storage;

/// <summary>Wakes readers that follow a log's tail whenever the durable end moves.</summary>
public sealed class AppendSignal
{
    private TaskCompletionSource _next = NewSource();

    /// <summary>A task that completes at the next <see cref="Pulse"/>; take it before checking for new records.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Pulse() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
