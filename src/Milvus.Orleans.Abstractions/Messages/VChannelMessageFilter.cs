namespace Milvus.Orleans.Messages;

/// <summary>
/// Turns a pchannel's log into what a consumer of one vchannel may see: that vchannel's messages and the
/// pchannel's time ticks, in log (= timestamp) order; a transaction's messages only once its commit is read, and
/// never those of a rolled-back transaction or of one silent longer than its keep-alive (its writer died); each
/// client request once. Transaction markers and keep-alives themselves are not passed on.
/// </summary>
/// <remarks>
/// A committed transaction is passed at its commit: its messages take the commit's id and timestamp and are
/// numbered 1..n by <see cref="LoggedMessage.Part"/>, so transactions may interleave in the log while what is passed
/// stays in (id, part) order. A passed message's <see cref="LoggedMessage.Next"/> is where a reader resumes to miss
/// nothing after it: its next id, or the begin of the earliest transaction still open there (the reader reads that
/// transaction again and skips what it already delivered by (id, part)).
/// </remarks>
public sealed class VChannelMessageFilter(string vchannel, TimeSpan defaultKeepAlive, TimeSpan dedupWindow)
{
    /// <summary>The keep-alive of a transaction whose begin names none (one a single write was split into).</summary>
    public static readonly TimeSpan DefaultKeepAlive = TimeSpan.FromSeconds(60);

    private readonly Dictionary<long, OpenTransaction> _open = [];
    private readonly RequestDeduplicator _requests = new(dedupWindow);
    private readonly long _defaultKeepAliveMs = (long)defaultKeepAlive.TotalMilliseconds;

    /// <summary>Transactions begun and not yet committed, rolled back or expired.</summary>
    public int OpenTransactions => _open.Count;

    /// <summary>The client requests this filter delivered within its window, and so drops again.</summary>
    public RequestDeduplicator Requests => _requests;

    /// <summary>The messages that become visible with <paramref name="message"/>, in order.</summary>
    public IReadOnlyList<LoggedMessage> Accept(LoggedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var body = message.Message;
        var own = string.Equals(body.VChannel, vchannel, StringComparison.Ordinal);
        if (body.Kind != MessageKind.TimeTick && !own)
        {
            return [];
        }

        Expire(message.Ts);
        if (body.TxnId == 0)
        {
            return body.Kind == MessageKind.TimeTick || _requests.IsFirst(body.RequestId, 0, message.Ts, message.Id, message.Id)
                ? [WithResumePoint(message)]
                : [];
        }

        switch (body.Kind)
        {
            case MessageKind.BeginTxn:
                _open[body.TxnId] = new OpenTransaction(message, body.TxnKeepAliveMs > 0 ? body.TxnKeepAliveMs : _defaultKeepAliveMs);
                return [];
            case MessageKind.RollbackTxn:
                _open.Remove(body.TxnId);
                return [];
            case MessageKind.CommitTxn:
                return _open.Remove(body.TxnId, out var committed) && _requests.IsFirst(body.RequestId, body.TxnId, message.Ts, committed.Begin.Id, message.Id)
                    ? Release(committed, message)
                    : [];
            default:
                if (_open.TryGetValue(body.TxnId, out var transaction))
                {
                    transaction.Add(message);
                }

                return [];
        }
    }

    private LoggedMessage[] Release(OpenTransaction transaction, LoggedMessage commit)
    {
        var parts = transaction.Parts;
        var released = new LoggedMessage[parts.Count];
        var insideResume = ResumeAt(transaction.Begin.Id);
        for (var i = 0; i < parts.Count; i++)
        {
            released[i] = parts[i] with
            {
                Id = commit.Id,
                Ts = commit.Ts,
                Part = i + 1,
                Next = i == parts.Count - 1 ? ResumeAt(commit.Next) : insideResume,
            };
        }

        return released;
    }

    /// <summary>The message, with <see cref="LoggedMessage.Next"/> moved back before any open transaction (a copy only then).</summary>
    private LoggedMessage WithResumePoint(LoggedMessage message)
    {
        var next = ResumeAt(message.Next);
        return next == message.Next ? message : message with { Next = next };
    }

    /// <summary>Where to resume after a message whose next id is <paramref name="next"/>: no later than any open begin.</summary>
    public long ResumeAt(long next)
    {
        foreach (var transaction in _open.Values)
        {
            next = Math.Min(next, transaction.Begin.Id);
        }

        return next;
    }

    private void Expire(HybridTimestamp now)
    {
        if (_open.Count == 0)
        {
            return;
        }

        foreach (var txn in _open.Where(t => t.Value.LastPhysicalMs < now.PhysicalMs - t.Value.KeepAliveMs).Select(t => t.Key).ToArray())
        {
            _open.Remove(txn);
        }
    }

    private sealed class OpenTransaction(LoggedMessage begin, long keepAliveMs)
    {
        public LoggedMessage Begin { get; } = begin;

        public long KeepAliveMs { get; } = keepAliveMs;

        public long LastPhysicalMs { get; private set; } = begin.Ts.PhysicalMs;

        public List<LoggedMessage> Parts { get; } = [];

        public void Add(LoggedMessage message)
        {
            LastPhysicalMs = message.Ts.PhysicalMs;
            if (message.Message.Kind != MessageKind.TxnKeepAlive)
            {
                Parts.Add(message);
            }
        }
    }
}
