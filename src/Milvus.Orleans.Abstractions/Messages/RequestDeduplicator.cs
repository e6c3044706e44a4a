namespace Milvus.Orleans.Messages;

/// <summary>A client request as a log reader saw it first.</summary>
/// <param name="RequestId">The request.</param>
/// <param name="TxnId">The transaction that carried it (0 for none): the messages of that one are the request.</param>
/// <param name="PhysicalMs">When it was logged (its timestamp's physical part).</param>
/// <param name="From">Where its messages begin in the log: its transaction's begin, or itself.</param>
/// <param name="At">Where it became visible: its commit, or itself.</param>
public sealed record SeenRequest(Guid RequestId, long TxnId, long PhysicalMs, long From, long At);

/// <summary>
/// Remembers the client requests seen on one vchannel within a window of timestamps, so a request logged twice
/// (its first attempt became durable but the reply was lost, and the client retried) is delivered once. The
/// window is wider than any client's retry deadline, so both copies always fall inside it. What it remembers can be
/// listed and given to a reader that starts later in the log (a replay from a checkpoint), which then drops a second
/// copy whose first lies before its start.
/// </summary>
public sealed class RequestDeduplicator(TimeSpan window)
{
    /// <summary>A window twice the clients' default retry deadline.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(60);

    private readonly Dictionary<Guid, SeenRequest> _seen = [];
    private readonly Queue<SeenRequest> _order = new();
    private readonly long _windowMs = (long)window.TotalMilliseconds;

    /// <summary>How many requests are remembered now.</summary>
    public int Count => _seen.Count;

    /// <summary>The requests remembered now, oldest first.</summary>
    public IEnumerable<SeenRequest> Seen => _order.Where(r => _seen.GetValueOrDefault(r.RequestId) == r);

    /// <summary>
    /// Whether a message of request <paramref name="requestId"/> at <paramref name="ts"/> belongs to the request's
    /// first logged copy: the first message of the request, or a later one of the same transaction
    /// <paramref name="txnId"/> (a retry splits the request into a transaction with another id). Messages without a
    /// request id always do. Timestamps must not decrease between calls. <paramref name="from"/> and
    /// <paramref name="at"/> say where the copy lies in the log (see <see cref="SeenRequest"/>).
    /// </summary>
    public bool IsFirst(Guid requestId, long txnId, HybridTimestamp ts, long from = -1, long at = -1)
    {
        while (_order.TryPeek(out var oldest) && oldest.PhysicalMs < ts.PhysicalMs - _windowMs)
        {
            _order.Dequeue();
            if (_seen.GetValueOrDefault(oldest.RequestId) == oldest)
            {
                _seen.Remove(oldest.RequestId);
            }
        }

        if (requestId == Guid.Empty)
        {
            return true;
        }

        if (_seen.TryGetValue(requestId, out var first))
        {
            return txnId != 0 && txnId == first.TxnId;
        }

        Remember(new SeenRequest(requestId, txnId, ts.PhysicalMs, from, at));
        return true;
    }

    /// <summary>The first copy of <paramref name="requestId"/>, if it was seen within the window.</summary>
    public SeenRequest? Find(Guid requestId) => _seen.GetValueOrDefault(requestId);

    /// <summary>Takes <paramref name="request"/> as seen, as an earlier reader of the log saw it.</summary>
    public void Remember(SeenRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_seen.TryAdd(request.RequestId, request))
        {
            _order.Enqueue(request);
        }
    }
}
