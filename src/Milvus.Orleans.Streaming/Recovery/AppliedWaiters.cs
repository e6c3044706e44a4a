namespace Milvus.Orleans.Streaming.Recovery;

/// <summary>
/// Reads waiting until a log was applied up to their timestamp. Not thread-safe: its owner calls it under its own
/// lock, the same one that guards what it applied.
/// </summary>
internal sealed class AppliedWaiters
{
    private readonly List<(HybridTimestamp Ts, TaskCompletionSource Done)> _waiting = [];

    /// <summary>Completes once <see cref="Complete"/> reports <paramref name="ts"/> applied (at once if <paramref name="applied"/> reaches it).</summary>
    public Task WaitAsync(HybridTimestamp applied, HybridTimestamp ts, CancellationToken cancellationToken)
    {
        if (applied >= ts)
        {
            return Task.CompletedTask;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting.Add((ts, done));
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>The log is applied up to <paramref name="applied"/>: the reads waiting for no more go on.</summary>
    public void Complete(HybridTimestamp applied)
    {
        for (var i = _waiting.Count - 1; i >= 0; i--)
        {
            if (_waiting[i].Ts <= applied)
            {
                _waiting[i].Done.TrySetResult();
                _waiting.RemoveAt(i);
            }
        }
    }

    /// <summary>The log will not be applied further here: every read waiting hears why.</summary>
    public void Fail(Exception exception)
    {
        foreach (var (_, done) in _waiting)
        {
            done.TrySetException(exception);
        }

        _waiting.Clear();
    }
}
