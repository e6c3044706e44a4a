namespace Milvus.Orleans.Messages;

/// <summary>
/// Remembers the client requests seen on one vchannel within a window of timestamps, so a request logged twice
/// (its first attempt became durable but the reply was lost, and the client retried) is delivered once. The
/// window is wider than any client's retry deadline, so both copies always fall inside it.
/// </summary>
public sealed class RequestDeduplicator(TimeSpan window)
{
    /// <summary>A window twice the clients' default retry deadline.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(60);

    /// <summary>Request → the transaction that carried it (0 for none): the messages of that one are the request.</summary>
    private readonly Dictionary<Guid, long> _seen = [];
    private readonly Queue<(long PhysicalMs, Guid RequestId)> _order = new();
    private readonly long _windowMs = (long)window.TotalMilliseconds;

    /// <summary>How many requests are remembered now.</summary>
    public int Count => _seen.Count;

    /// <summary>
    /// Whether a message of request <paramref name="requestId"/> at <paramref name="ts"/> belongs to the request's
    /// first logged copy: the first message of the request, or a later one of the same transaction
    /// <paramref name="txnId"/> (a retry splits the request into a transaction with another id). Messages without a
    /// request id always do. Timestamps must not decrease between calls.
    /// </summary>
    public bool IsFirst(Guid requestId, long txnId, HybridTimestamp ts)
    {
        while (_order.TryPeek(out var oldest) && oldest.PhysicalMs < ts.PhysicalMs - _windowMs)
        {
            _seen.Remove(_order.Dequeue().RequestId);
        }

        if (requestId == Guid.Empty)
        {
            return true;
        }

        if (_seen.TryGetValue(requestId, out var firstTxn))
        {
            return txnId != 0 && txnId == firstTxn;
        }

        _seen[requestId] = txnId;

        _order.Enqueue((ts.PhysicalMs, requestId));
        return true;
    }
}
