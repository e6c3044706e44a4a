using Milvus.Orleans.Messages;

namespace Milvus.Orleans.Streaming.VChannels;

/// <summary>
/// A vchannel's writes by request id, in flight or answered within <see cref="RememberFor"/>: an attempt of a request
/// that arrives while an earlier one runs, or just after it answered, gets that one's outcome (the same keys, the same
/// timestamp) instead of logging the request again. A later retry asks the log (see <c>LoggedAsync</c>). Used from one
/// grain activation, so not thread-safe; it awaits on the grain's context.
/// </summary>
internal sealed class RequestOutcomes(TimeProvider time)
{
    /// <summary>Longer than a recovery takes to read an acknowledged write back, after which the log answers.</summary>
    private static readonly TimeSpan RememberFor = TimeSpan.FromSeconds(10);

    private readonly Dictionary<Guid, Task<WriteResult>> _outcomes = [];
    private readonly Queue<(Guid Request, long DoneAt)> _answered = new();

    /// <summary>
    /// The outcome of request <paramref name="requestId"/>: an earlier attempt's, the one <paramref name="logged"/>
    /// finds for a <paramref name="retry"/>, or <paramref name="write"/>'s.
    /// </summary>
    public async Task<WriteResult> RunAsync(Guid requestId, bool retry, Func<Task<WriteResult>> write, Func<Task<WriteResult?>> logged)
    {
        Forget();
        if (requestId == Guid.Empty)
        {
            return await write().ConfigureAwait(true);
        }

        if (_outcomes.TryGetValue(requestId, out var earlier))
        {
            return await earlier.ConfigureAwait(true);
        }

        if (retry && await logged().ConfigureAwait(true) is { } found)
        {
            return found;
        }

        // Another attempt may have started while the log was asked.
        if (_outcomes.TryGetValue(requestId, out earlier))
        {
            return await earlier.ConfigureAwait(true);
        }

        var attempt = write();
        _outcomes[requestId] = attempt;
        try
        {
            var result = await attempt.ConfigureAwait(true);
            _answered.Enqueue((requestId, time.GetTimestamp()));
            return result;
        }
        catch
        {
            // Not logged (or not known to be): the next attempt writes it.
            _outcomes.Remove(requestId);
            throw;
        }
    }

    private void Forget()
    {
        while (_answered.TryPeek(out var oldest) && time.GetElapsedTime(oldest.DoneAt) > RememberFor)
        {
            _answered.Dequeue();
            _outcomes.Remove(oldest.Request);
        }
    }
}
