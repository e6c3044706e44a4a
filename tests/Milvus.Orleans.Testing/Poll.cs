namespace Milvus.Orleans.Testing;

/// <summary>Waiting for what a cluster does in the background (a seal, a deactivation, a move), bounded in time.</summary>
public static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Reads a value every 100 ms until <paramref name="done"/> holds for it or <paramref name="within"/> has passed,
    /// and returns the last value read: the test asserts on it, so a wait that ran out fails with what was seen.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan within, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(done);
        var deadline = DateTime.UtcNow + within;
        var value = await read().ConfigureAwait(false);
        while (!done(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(Interval, cancellationToken).ConfigureAwait(false);
            value = await read().ConfigureAwait(false);
        }

        return value;
    }
}
