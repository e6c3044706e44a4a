namespace Milvus.Orleans;

/// <summary>
/// Retries calls that failed only because a channel is moving (or its silo just died), with exponential backoff
/// and jitter, until a deadline. Any other failure, and the last transient one at the deadline, is thrown.
/// </summary>
public static class TransientRetry
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>Whether <paramref name="error"/> means "not done, try again shortly".</summary>
    public static bool IsTransient(Exception error) => error is MilvusException { IsTransient: true }
        // The silo died, the message could not reach the activation, or no connection to the gateway: nothing ran.
        or SiloUnavailableException
        or OrleansMessageRejectionException
        or global::Orleans.Runtime.Messaging.ConnectionFailedException;

    /// <summary>Runs <paramref name="call"/>, retrying transient failures until <paramref name="deadline"/> has passed.</summary>
    public static async Task<T> RunAsync<T>(Func<Task<T>> call, TimeSpan deadline, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(time);
        // Continuations stay on the caller's context: grains call this, and grain code must run on its activation.
        var started = time.GetTimestamp();
        var delay = FirstDelay;
        while (true)
        {
            try
            {
                return await call().WaitAsync(cancellationToken).ConfigureAwait(true);
            }
            catch (Exception ex) when (IsTransient(ex) && time.GetElapsedTime(started) + delay < deadline)
            {
                var jittered = delay * (0.5 + (Random.Shared.NextDouble() / 2));
                await Task.Delay(jittered, time, cancellationToken).ConfigureAwait(true);
                delay = TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, delay.Ticks * 2));
            }
        }
    }
}
