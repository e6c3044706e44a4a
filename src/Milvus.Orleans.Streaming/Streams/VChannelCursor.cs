using Milvus.Orleans.Messages;
using Orleans.Streams;

namespace Milvus.Orleans.Streaming.Streams;

/// <summary>
/// A consumer's place in one vchannel stream: in the cache's window while the window holds its position, else in
/// its own reading of the log (<see cref="LogReading"/>). Messages come in (id, part) order, each client request once.
/// </summary>
internal sealed class VChannelCursor : IQueueCacheCursor
{
    private readonly VChannelQueueCache _cache;
    private readonly StreamId _stream;
    private readonly string _vchannel;
    private readonly RequestDeduplicator _requests = new(RequestDeduplicator.DefaultWindow);

    // The next message to deliver is at or after _from, and reading the log from _resume misses none of them.
    private MessagePosition _from;
    private long _resume;
    private bool _inWindow;
    private LinkedListNode<ReceivedBatch>? _scanned;
    private LogReading? _log;
    private VChannelBatch? _current;

    private VChannelCursor(VChannelQueueCache cache, StreamId stream, MessagePosition from, long resume, bool inWindow, LinkedListNode<ReceivedBatch>? scanned)
    {
        _cache = cache;
        _stream = stream;
        _vchannel = stream.GetKeyAsString();
        (_from, _resume, _inWindow, _scanned) = (from, resume, inWindow, scanned);
    }

    /// <summary>
    /// After the newest message the agent pulled (as Orleans' own caches do): a subscription without a position. The
    /// agent sets the cursor up a moment after the subscription is made, so for an exact start pass a token, such as
    /// <see cref="VChannelSequenceToken.From"/> the pchannel's durable end.
    /// </summary>
    public static VChannelCursor AtTail(VChannelQueueCache cache, StreamId stream) => cache.Newest is { } newest
        ? new(cache, stream, newest.Value.Position.Next(), newest.Value.Resume, inWindow: true, newest)
        : new(cache, stream, new MessagePosition(cache.ReceiverStart, 0), cache.ReceiverStart, inWindow: true, null);

    /// <summary>From <paramref name="token"/>'s message on, that message included.</summary>
    public static VChannelCursor At(VChannelQueueCache cache, StreamId stream, StreamSequenceToken token)
    {
        var from = MessagePosition.Of(token);
        var resume = token is VChannelSequenceToken ours ? ours.Resume : Math.Max(0, token.SequenceNumber);
        return new(cache, stream, from, resume, cache.Covers(from), null);
    }

    public VChannelBatch GetCurrent(out Exception? exception)
    {
        exception = null;
        return _current!;
    }

    IBatchContainer IQueueCacheCursor.GetCurrent(out Exception exception)
    {
        var current = GetCurrent(out var error);
        exception = error!;
        return current;
    }

    public bool MoveNext()
    {
        while (true)
        {
            var found = _inWindow ? NextInWindow() : NextInLog();
            if (found is null)
            {
                return false;
            }

            var body = found.Message;
            if (_requests.IsFirst(body.RequestId, body.TxnId, found.Ts))
            {
                _current = new VChannelBatch(_stream, found);
                return true;
            }
        }
    }

    public void Refresh(StreamSequenceToken token)
    {
        // New messages went into the window; MoveNext finds them.
    }

    public void RecordDeliveryFailure()
    {
        // Delivery is retried by the agent; nothing to record.
    }

    public void Dispose() => _log?.Dispose();

    private LoggedMessage? NextInWindow()
    {
        if (_cache.Evicted(_from))
        {
            // Fell behind the window: continue from the log.
            (_inWindow, _scanned) = (false, null);
            return NextInLog();
        }

        var node = _scanned is { List: not null } ? _scanned.Next : _cache.FirstAtOrAfter(_from);
        while (node is not null)
        {
            (_scanned, _from, _resume) = (node, node.Value.Position.Next(), node.Value.Resume);
            if (node.Value.StreamId == _stream)
            {
                return node.Value.Batch.Message;
            }

            node = node.Next;
        }

        return null;
    }

    private LoggedMessage? NextInLog()
    {
        if (_cache.Covers(_from))
        {
            // Caught up with the window: the log reading is no longer needed.
            _log?.Dispose();
            (_log, _inWindow) = (null, true);
            return NextInWindow();
        }

        _log ??= _cache.ReadLog(_vchannel, _resume, _from, _stream);
        if (!_log.TryRead(out var message) && !_log.TryReadOrIdle(out message))
        {
            return null;
        }

        (_from, _resume) = (MessagePosition.Of(message).Next(), message.Next);
        return message;
    }
}
