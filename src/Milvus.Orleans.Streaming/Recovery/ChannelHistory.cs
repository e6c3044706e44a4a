using Milvus.Orleans.Grains;
using Milvus.Orleans.History.Checkpoints;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Streaming.Reads;
using Milvus.Orleans.Streaming.Streams;

namespace Milvus.Orleans.Streaming.Recovery;

/// <summary>
/// One pchannel's log on its way into history: the growing segment of each (vchannel, partition), sealed by the
/// policy or by a flush, and the checkpoint that says where a replay starts and what it skips. Deterministic: the
/// same log from the same checkpoint gives the same segments with the same ids, so a segment written again after a
/// crash replaces itself instead of being duplicated.
/// </summary>
/// <remarks>
/// A segment's id is the timestamp of its first message: unique cluster-wide (timestamps are, and one commit's
/// messages are taken together, never split by a seal), and the same on every replay.
/// </remarks>
internal sealed class ChannelHistory
{
    private const int RememberedFlushes = 1024;
    private readonly string _pchannel;
    private readonly SealPolicy _policy;
    private readonly PChannelMessageFilter _filter = new();
    private readonly Dictionary<(string VChannel, long PartitionId), Growing> _growing = [];
    private readonly Dictionary<(string VChannel, long PartitionId), MessagePosition> _persisted = [];
    private readonly Dictionary<long, CollectionInfo?> _collections = [];
    private readonly Dictionary<string, HybridTimestamp> _lastData = new(StringComparer.Ordinal);
    private readonly Dictionary<(string VChannel, long Id), long[]> _flushes = [];
    private readonly Queue<(string VChannel, long Id)> _flushOrder = new();
    private readonly List<(string VChannel, long Id, long[] SegmentIds)> _pendingFlushes = [];
    private long _resume;
    private long _sealedBytes;

    /// <summary>Per vchannel, the first timestamp of its segments sealed but not yet written: history does not hold them yet.</summary>
    private readonly Dictionary<string, ulong> _unwrittenFrom = new(StringComparer.Ordinal);
    private HybridTimestamp _lastTs;

    public ChannelHistory(string pchannel, SealPolicy policy, PChannelCheckpoint? checkpoint)
    {
        _pchannel = pchannel;
        _policy = policy;
        _resume = checkpoint?.Position ?? 0;
        _lastTs = new HybridTimestamp((ulong)(checkpoint?.Timestamp ?? 0));
        SkipPersisted(checkpoint?.Persisted ?? []);
        foreach (var request in checkpoint?.Requests ?? [])
        {
            _filter.Remember(request.VChannel, new SeenRequest(request.RequestId, request.TxnId, request.PhysicalMs, request.From, request.At));
        }
    }

    /// <summary>Where reading resumes to miss nothing after what was taken.</summary>
    public long Resume => _resume;

    /// <summary>The id of the last record taken or passed; -1 before the first.</summary>
    public long LastTaken { get; private set; } = -1;

    /// <summary>The id of the last record whose sealed segments are written (see <see cref="Written"/>); -1 before the first.</summary>
    public long WrittenThrough { get; private set; } = -1;

    /// <summary>Messages of dropped or unknown collections and partitions, left out of history.</summary>
    public long Skipped { get; private set; }

    /// <summary>Bytes held by growing segments.</summary>
    public long GrowingBytes { get; private set; }

    /// <summary>Bytes held by growing segments and by sealed ones not yet written (see <see cref="Written"/>).</summary>
    public long HeldBytes => GrowingBytes + _sealedBytes;

    /// <summary>The collection <paramref name="message"/> needs known before it is taken, if it is not yet.</summary>
    public long? Unknown(LoggedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var id = message.Message.CollectionId;
        return id != 0 && !message.Message.IsDdl && !_collections.ContainsKey(id) ? id : null;
    }

    /// <summary>What the catalog says of collection <paramref name="id"/> (null: there never was one).</summary>
    public void Learn(long id, CollectionInfo? collection) => _collections[id] = collection;

    /// <summary>
    /// Takes the next record of the log (decoded) and returns the segments it sealed, to be written before the next
    /// checkpoint. <paramref name="now"/> is the recovery grain's clock, for idle and lifetime seals.
    /// </summary>
    public IReadOnlyList<SealedSegment> Take(LoggedMessage message, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(message);
        var replayFrom = _resume;
        List<SealedSegment>? sealedNow = null;
        foreach (var passed in _filter.Accept(message))
        {
            var body = passed.Message;
            if (body.IsDdl)
            {
                ApplyDdl(body);
            }
            else if (body.Kind == MessageKind.Flush)
            {
                var sealedByFlush = SealWhere(key => string.Equals(key.VChannel, body.VChannel, StringComparison.Ordinal));
                _pendingFlushes.Add((body.VChannel, passed.Id, [.. sealedByFlush.Select(s => s.Key.SegmentId)]));
                (sealedNow ??= []).AddRange(sealedByFlush);
            }
            else if (body.Kind is MessageKind.Insert or MessageKind.Upsert or MessageKind.Delete)
            {
                _lastData[body.VChannel] = passed.Ts;
                ApplyData(passed, replayFrom, now);
            }
        }

        _resume = _filter.ResumeAt(message.Next);
        _lastTs = message.Ts;
        LastTaken = message.Id;
        // Checked on every record (time ticks included), so allocate only when something is due.
        List<(string VChannel, long PartitionId)>? due = null;
        foreach (var (key, growing) in _growing)
        {
            if (_policy.Reason(growing.Segment, now) is not null)
            {
                (due ??= []).Add(key);
            }
        }

        if (due is not null)
        {
            (sealedNow ??= []).AddRange(SealWhere(due.Contains));
        }

        return sealedNow ?? [];
    }

    /// <summary>Skips, on the way, what history holds of each partition named: through the message at its mark (the later mark wins).</summary>
    public void SkipPersisted(IEnumerable<PersistedPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        foreach (var partition in partitions)
        {
            var mark = new MessagePosition(partition.Id, partition.Part);
            var key = (partition.VChannel, partition.PartitionId);
            if (!_persisted.TryGetValue(key, out var known) || known < mark)
            {
                _persisted[key] = mark;
            }
        }
    }

    /// <summary>The first copy of client request <paramref name="requestId"/> of <paramref name="vchannel"/>, if it was taken within the dedup window.</summary>
    public SeenRequest? FindRequest(string vchannel, Guid requestId) => _filter.Find(vchannel, requestId);

    /// <summary>Steps over a record that cannot be read (skipped under <c>RecoveryErrorIgnore</c>), ending at <paramref name="next"/>.</summary>
    public void Pass(long id, long next) => (_resume, LastTaken) = (_filter.ResumeAt(next), id);

    /// <summary>Seals the largest growing segment, if any, to make room under memory pressure.</summary>
    public SealedSegment? SealLargest()
    {
        if (_growing.Count == 0)
        {
            return null;
        }

        var largest = _growing.MaxBy(g => g.Value.Segment.Bytes).Key;
        return SealWhere(key => key == largest)[0];
    }

    /// <summary>Every segment sealed so far is written: the flushes taken so far are done.</summary>
    public void Written()
    {
        foreach (var (vchannel, id, segmentIds) in _pendingFlushes)
        {
            RememberFlush(vchannel, id, segmentIds);
        }

        _pendingFlushes.Clear();
        _unwrittenFrom.Clear();
        _sealedBytes = 0;
        WrittenThrough = LastTaken;
    }

    /// <summary>The ids of the segments flush <paramref name="flushId"/> of <paramref name="vchannel"/> sealed, once written.</summary>
    public bool TryGetFlush(string vchannel, long flushId, out long[] segmentIds) =>
        _flushes.TryGetValue((vchannel, flushId), out segmentIds!);

    /// <summary>
    /// How far <paramref name="vchannel"/> is: its last data message taken; the timestamp of the last record taken
    /// (applied: every visible message of the vchannel up to it is in memory or history); and the timestamp through
    /// which history holds it (persisted: before its oldest message still growing or sealed and not yet written, or
    /// equal to applied if none).
    /// </summary>
    public VChannelProgress Progress(string vchannel)
    {
        var applied = _lastTs;
        var firstNotHeld = _growing.Where(g => string.Equals(g.Key.VChannel, vchannel, StringComparison.Ordinal))
            .Select(g => (ulong)g.Value.Segment.Key.SegmentId)
            .Append(_unwrittenFrom.GetValueOrDefault(vchannel, ulong.MaxValue))
            .Min();
        return new VChannelProgress(
            _lastData.GetValueOrDefault(vchannel),
            applied,
            firstNotHeld == ulong.MaxValue ? applied : new HybridTimestamp(firstNotHeld - 1));
    }

    /// <summary>The timestamp of the last record taken: every visible message up to it is in memory or history.</summary>
    public HybridTimestamp Applied => _lastTs;

    /// <summary>The growing segments of <paramref name="vchannel"/> as they are now.</summary>
    public IReadOnlyList<GrowingView> View(string vchannel) =>
        [.. _growing.Where(g => string.Equals(g.Key.VChannel, vchannel, StringComparison.Ordinal)).Select(g => g.Value.Segment.View())];

    /// <summary>The progress of every vchannel with data, in ordinal order of name.</summary>
    public IReadOnlyList<(string VChannel, VChannelProgress Progress)> Progress() =>
        _lastData.Keys.Order(StringComparer.Ordinal).Select(vchannel => (vchannel, Progress(vchannel))).ToArray();

    /// <summary>
    /// The checkpoint for what history holds now (every segment sealed so far written): replay starts before the
    /// first message of any growing segment, and skips what sealed partitions hold past that.
    /// </summary>
    public PChannelCheckpoint Checkpoint(long term)
    {
        var position = _resume;
        var persistedTs = _lastTs.Value;
        foreach (var growing in _growing.Values)
        {
            position = Math.Min(position, growing.ReplayFrom);
            persistedTs = Math.Min(persistedTs, (ulong)growing.Segment.Key.SegmentId - 1);
        }

        // A partition's mark matters only while a replay from the position can deliver what it covers again.
        foreach (var stale in _persisted.Where(p => p.Value.Id < position).Select(p => p.Key).ToArray())
        {
            _persisted.Remove(stale);
        }

        return new PChannelCheckpoint(
            _pchannel,
            term,
            position,
            (long)persistedTs,
            [.. _persisted.Select(p => new PersistedPartition(p.Key.VChannel, p.Key.PartitionId, p.Value.Id, p.Value.Part))],
            // A replay from the position takes the requests after it again; those before it it must be told of.
            [.. _filter.SeenBefore(position)
                .OrderByDescending(r => r.Request.At)
                .Take(PChannelCheckpoint.MaxRequests)
                .OrderBy(r => r.Request.At)
                .Select(r => new RememberedRequest(r.VChannel, r.Request.RequestId, r.Request.TxnId, r.Request.PhysicalMs, r.Request.From, r.Request.At))]);
    }

    private void ApplyDdl(WalMessage ddl)
    {
        var collection = ddl.Collection!;
        _collections[ddl.CollectionId] = collection;
        // A dropped collection's or partition's data is gone with it: what is growing is not written.
        var kept = collection.IsDropped ? [] : new HashSet<long>(collection.PartitionIds ?? []);
        foreach (var key in _growing.Keys.Where(k => string.Equals(k.VChannel, ddl.VChannel, StringComparison.Ordinal) && !kept.Contains(k.PartitionId)).ToArray())
        {
            GrowingBytes -= _growing[key].Segment.Bytes;
            _growing.Remove(key);
        }
    }

    private void ApplyData(LoggedMessage message, long replayFrom, DateTimeOffset now)
    {
        var body = message.Message;
        var collection = _collections.GetValueOrDefault(body.CollectionId);
        // A delete without a partition goes with the default partition's data: deletes apply collection-wide.
        var partitionId = collection is null || collection.IsDropped ? null : collection.PartitionId(body.Partition ?? collection.Partitions[0]);
        if (partitionId is not { } partition)
        {
            Skipped++;
            return;
        }

        var key = (body.VChannel, partition);
        if (_persisted.TryGetValue(key, out var persisted) && MessagePosition.Of(message) <= persisted)
        {
            return;
        }

        GrowingSegment.Check(body, collection!.Schema);
        if (!_growing.TryGetValue(key, out var growing))
        {
            var segmentKey = new SegmentKey(collection.Id, partition, checked((long)message.Ts.Value));
            growing = new Growing(new GrowingSegment(segmentKey, key.VChannel, _pchannel, collection.Schema, now), replayFrom);
            _growing.Add(key, growing);
        }

        var before = growing.Segment.Bytes;
        growing.Segment.Apply(message, now);
        growing.Last = MessagePosition.Of(message);
        GrowingBytes += growing.Segment.Bytes - before;
    }

    private List<SealedSegment> SealWhere(Func<(string VChannel, long PartitionId), bool> predicate)
    {
        var sealedNow = new List<SealedSegment>();
        foreach (var key in _growing.Keys.Where(predicate).ToArray())
        {
            var growing = _growing[key];
            _growing.Remove(key);
            GrowingBytes -= growing.Segment.Bytes;
            _sealedBytes += growing.Segment.Bytes;
            var first = (ulong)growing.Segment.Key.SegmentId;
            _unwrittenFrom[key.VChannel] = Math.Min(_unwrittenFrom.GetValueOrDefault(key.VChannel, ulong.MaxValue), first);
            _persisted[key] = growing.Last;
            sealedNow.Add(growing.Segment.Seal());
        }

        return sealedNow;
    }

    private void RememberFlush(string vchannel, long id, long[] segmentIds)
    {
        _flushes[(vchannel, id)] = segmentIds;
        _flushOrder.Enqueue((vchannel, id));
        if (_flushOrder.Count > RememberedFlushes)
        {
            _flushes.Remove(_flushOrder.Dequeue());
        }
    }

    /// <summary>A growing segment, where a replay must start to rebuild it, and its last message.</summary>
    private sealed class Growing(GrowingSegment segment, long replayFrom)
    {
        public GrowingSegment Segment { get; } = segment;

        public long ReplayFrom { get; } = replayFrom;

        public MessagePosition Last { get; set; }
    }
}
