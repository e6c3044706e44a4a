namespace Milvus.Orleans.Messages;

/// <summary>
/// Turns a pchannel's log into what a consumer of one vchannel may see: that vchannel's messages and the
/// pchannel's time ticks, in log (= timestamp) order; a transaction's messages only once its commit is read, and
/// never those of a rolled-back transaction or of one left open longer than the keep-alive (its writer died);
/// each client request once. Begin and commit markers themselves are not passed on.
/// </summary>
/// <remarks>
/// A passed message's <see cref="LoggedMessage.Next"/> is where a reader resumes to miss nothing after it: the
/// message's own next id, except inside a transaction, where it is the transaction's begin (the reader reads the
/// transaction again and skips the messages it already has by id) and, for the last, the commit's next id.
/// </remarks>
public sealed class VChannelMessageFilter(string vchannel, TimeSpan transactionKeepAlive, TimeSpan dedupWindow)
{
    private readonly Dictionary<long, List<LoggedMessage>> _open = [];
    private readonly RequestDeduplicator _requests = new(dedupWindow);
    private readonly long _keepAliveMs = (long)transactionKeepAlive.TotalMilliseconds;

    /// <summary>Transactions begun and not yet committed, rolled back or expired.</summary>
    public int OpenTransactions => _open.Count;

    /// <summary>The messages that become visible with <paramref name="message"/>, in order.</summary>
    public IReadOnlyList<LoggedMessage> Accept(LoggedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var body = message.Message;
        if (body.Kind == MessageKind.TimeTick)
        {
            Expire(message.Ts);
            return [message];
        }

        if (!string.Equals(body.VChannel, vchannel, StringComparison.Ordinal))
        {
            return [];
        }

        Expire(message.Ts);
        if (body.TxnId == 0)
        {
            return _requests.IsFirst(body.RequestId, 0, message.Ts) ? [message] : [];
        }

        switch (body.Kind)
        {
            case MessageKind.BeginTxn:
                _open[body.TxnId] = [message];
                return [];
            case MessageKind.RollbackTxn:
                _open.Remove(body.TxnId);
                return [];
            case MessageKind.CommitTxn:
                if (!_open.Remove(body.TxnId, out var committed) || !_requests.IsFirst(body.RequestId, body.TxnId, committed[0].Ts))
                {
                    return [];
                }

                var begin = committed[0];
                var released = new LoggedMessage[committed.Count - 1];
                for (var i = 1; i < committed.Count; i++)
                {
                    released[i - 1] = committed[i] with { Next = i == committed.Count - 1 ? message.Next : begin.Id };
                }

                return released;
            default:
                if (_open.TryGetValue(body.TxnId, out var messages))
                {
                    messages.Add(message);
                }

                return [];
        }
    }

    private void Expire(HybridTimestamp now)
    {
        if (_open.Count == 0)
        {
            return;
        }

        foreach (var txn in _open.Where(t => t.Value[^1].Ts.PhysicalMs < now.PhysicalMs - _keepAliveMs).Select(t => t.Key).ToArray())
        {
            _open.Remove(txn);
        }
    }
}
