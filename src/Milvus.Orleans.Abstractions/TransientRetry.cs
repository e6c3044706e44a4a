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

    /// <summary>
    /// Runs <paramref name="call"/>, retrying transient failures until <paramref name="deadline"/> has passed. With
    /// <paramref name="attemptTimeout"/>, an attempt that has not answered by then is given up and retried too: only
    /// for calls that may safely run twice, such as writes carrying a request id that readers deduplicate. A request
    /// lost with a killed silo is otherwise answered only by Orleans' response timeout (30 s). Such calls may also give
    /// <paramref name="abandonOn"/>: a token for the attempt about to start (a change of the cluster's silos), on which
    /// the attempt is given up at once and sent again instead of waiting out its timeout.
    /// </summary>
    public static async Task<T> RunAsync<T>(
        Func<Task<T>> call,
        TimeSpan deadline,
        TimeProvider time,
        CancellationToken cancellationToken,
        TimeSpan? attemptTimeout = null,
        Func<CancellationToken>? abandonOn = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(time);
        // Continuations stay on the caller's context: grains call this, and grain code must run on its activation.
        var started = time.GetTimestamp();
        var delay = FirstDelay;
        while (true)
        {
            var abandon = abandonOn?.Invoke() ?? CancellationToken.None;
            try
            {
                var attempt = call();
                using var abandonable = abandon.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, abandon) : null;
                var token = abandonable?.Token ?? cancellationToken;
                return await (attemptTimeout is { } timeout ? attempt.WaitAsync(timeout, time, token) : attempt.WaitAsync(token)).ConfigureAwait(true);
            }
            catch (OperationCanceledException) when (abandon.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                && time.GetElapsedTime(started) < deadline)
            {
                // A silo went while the attempt was out: it may have gone with it. Send it again now (its first copy, if
                // it did arrive, is deduplicated or was only a read).
                delay = FirstDelay;
            }
            catch (Exception ex) when ((IsTransient(ex) || (attemptTimeout is not null && ex is TimeoutException))
                && time.GetElapsedTime(started) + delay < deadline)
            {
                var jittered = delay * (0.5 + (Random.Shared.NextDouble() / 2));
                await Task.Delay(jittered, time, cancellationToken).ConfigureAwait(true);
                delay = TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, delay.Ticks * 2));
            }
        }
    }
}
