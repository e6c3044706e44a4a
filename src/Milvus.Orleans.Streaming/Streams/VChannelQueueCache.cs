using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Streaming.Wal;
using Milvus.Orleans.Wal.Storage;
using Orleans.Streams;

namespace Milvus.Orleans.Streaming.Streams;

/// <summary>
/// The pulling agent's cache for one pchannel's vchannel streams: a window of the newest messages the receiver
/// read, up to a byte budget, whatever cursors there are. A cursor at a position the window does not hold (a
/// subscription from an earlier id, or a consumer that fell behind) reads its vchannel from the log itself and
/// comes back to the window once it catches up, so no position the log still holds is a cache miss.
/// </summary>
/// <remarks>Used from the agent's turns only, except <see cref="PChannelReading"/>, which is thread-safe.</remarks>
internal sealed class VChannelQueueCache(
    PChannelReading reading, long maxBytes, IWalStorage storage, MessageCodec codec, TimeProvider time, ILogger logger) : IQueueCache
{
    /// <summary>How many messages the agent adds at once.</summary>
    private const int MaxAddCount = 64;

    private readonly LinkedList<ReceivedBatch> _window = new();
    private long _bytes;
    private MessagePosition? _firstAdded;
    private MessagePosition? _newest;
    private MessagePosition? _evictedThrough;

    /// <summary>The newest message in the window, or null.</summary>
    internal LinkedListNode<ReceivedBatch>? Newest => _window.Last;

    public int GetMaxAddCount() => MaxAddCount;

    public void AddToCache(IList<IBatchContainer> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var received in messages.OfType<ReceivedBatch>())
        {
            // The receiver reads again from its last resume point after a failure: keep each message once.
            if (received.Position <= _newest)
            {
                continue;
            }

            _firstAdded ??= received.Position;
            _newest = received.Position;
            _window.AddLast(received);
            _bytes += received.Batch.Message.Message.EstimatedBytes;
        }

        while (_bytes > maxBytes && _window.First is { } oldest && oldest != _window.Last)
        {
            _window.RemoveFirst();
            _bytes -= oldest.Value.Batch.Message.Message.EstimatedBytes;
            _evictedThrough = oldest.Value.Position;
        }
    }

    public bool TryPurgeFromCache([MaybeNullWhen(false)] out IList<IBatchContainer> purgedItems)
    {
        // The window drops its oldest by size, not by delivery: a cursor it no longer covers reads the log instead.
        purgedItems = null;
        return false;
    }

    public IQueueCacheCursor GetCacheCursor(StreamId streamId, StreamSequenceToken? token) => token is null
        ? VChannelCursor.AtTail(this, streamId)
        : VChannelCursor.At(this, streamId, token);

    public bool IsUnderPressure() => false;

    /// <summary>Whether the window holds every message at or after <paramref name="from"/> (and will hold those to come).</summary>
    internal bool Covers(MessagePosition from) => _firstAdded <= from && !Evicted(from);

    /// <summary>Whether a message at or after <paramref name="from"/> was dropped from the window.</summary>
    internal bool Evicted(MessagePosition from) => _evictedThrough >= from;

    /// <summary>The first message in the window at or after <paramref name="from"/>, or null.</summary>
    internal LinkedListNode<ReceivedBatch>? FirstAtOrAfter(MessagePosition from)
    {
        var node = _window.First;
        while (node is not null && node.Value.Position < from)
        {
            node = node.Next;
        }

        return node;
    }

    /// <summary>Where the receiver began: reading from there misses nothing it will hand over.</summary>
    internal long ReceiverStart => reading.Start;

    /// <summary>Starts a cursor's own reading of <paramref name="vchannel"/>; an idle cursor is woken when it reads a message.</summary>
    internal LogReading ReadLog(string vchannel, long resume, MessagePosition from, StreamId streamId) =>
        new(reading.PChannel, vchannel, resume, from, storage, codec, time, logger, message => reading.Wake(new WakeBatch(streamId, VChannelSequenceToken.Of(message))));
}
