using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Streaming.Reads;

namespace Milvus.Orleans.Streaming.Recovery;

/// <summary>
/// The read side of a pchannel's recovery, for the query delegators on the same silo (the design's silo-level
/// growing-data store): what each vchannel holds in memory now, how far the log was applied, and the sealed segments
/// of watched vchannels, kept in memory until a delegator has them loaded on a query node.
/// </summary>
internal sealed partial class ChannelRecovery : IRecoveredChannel
{
    private readonly Dictionary<string, HashSet<string>> _watchers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<long, KeptSegment>> _kept = new(StringComparer.Ordinal);
    private readonly AppliedWaiters _appliedWaiters = new();

    /// <summary>Sealed segments not written yet, so a delegator that starts watching now also gets them.</summary>
    private readonly List<SealedSegment> _unwritten = [];

    /// <summary>Keeps <paramref name="vchannel"/>'s segments sealed from now on in memory until <paramref name="holder"/> releases them.</summary>
    public void Watch(string vchannel, string holder)
    {
        lock (_gate)
        {
            if (!_watchers.TryGetValue(vchannel, out var holders))
            {
                _watchers[vchannel] = holders = new HashSet<string>(StringComparer.Ordinal);
                _kept[vchannel] = [];
            }

            if (holders.Add(holder))
            {
                // Sealed before the watch but not in history yet: neither the delegator's listing of history nor
                // its snapshots would show them.
                foreach (var segment in _unwritten.Where(u => string.Equals(u.VChannel, vchannel, StringComparison.Ordinal)))
                {
                    var kept = _kept[vchannel];
                    if (!kept.TryGetValue(segment.Key.SegmentId, out var entry))
                    {
                        kept[segment.Key.SegmentId] = entry = new KeptSegment(segment, []);
                    }

                    entry.Holders.Add(holder);
                }

                Account(_history);
            }
        }
    }

    /// <summary>Stops keeping sealed segments for <paramref name="holder"/>, and releases those it held.</summary>
    public void Unwatch(string vchannel, string holder)
    {
        lock (_gate)
        {
            if (_watchers.TryGetValue(vchannel, out var holders) && holders.Remove(holder))
            {
                foreach (var segmentId in _kept[vchannel].Keys.ToArray())
                {
                    ReleaseHeld(vchannel, holder, segmentId);
                }

                if (holders.Count == 0)
                {
                    _watchers.Remove(vchannel);
                    _kept.Remove(vchannel);
                }

                Account(_history);
            }
        }
    }

    /// <summary><paramref name="holder"/> has the kept segment on a query node now; the segment goes once no holder needs it.</summary>
    public void Release(string vchannel, string holder, long segmentId)
    {
        lock (_gate)
        {
            ReleaseHeld(vchannel, holder, segmentId);
            Account(_history);
        }
    }

    /// <summary>
    /// What <paramref name="vchannel"/> holds in memory, all at one moment: growing segments, and the kept sealed ones
    /// <paramref name="holder"/> has not released, applied up to <see cref="VChannelSnapshot.Applied"/>.
    /// </summary>
    public VChannelSnapshot Snapshot(string vchannel, string holder)
    {
        lock (_gate)
        {
            var watched = _watchers.TryGetValue(vchannel, out var holders) && holders.Contains(holder);
            KeptSegment[] kept = watched ? [.. _kept[vchannel].Values.Where(k => k.Holders.Contains(holder))] : [];
            return new VChannelSnapshot(_history.Applied, _history.View(vchannel), kept, watched);
        }
    }

    /// <summary>Completes once the log was applied up to <paramref name="ts"/> (time ticks included).</summary>
    public Task WaitAppliedAsync(HybridTimestamp ts, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _stopped is not null && _history.Applied < ts
                ? Task.FromException(_stopped)
                : _appliedWaiters.WaitAsync(_history.Applied, ts, cancellationToken);
        }
    }

    /// <summary>Bytes of the sealed segments kept for delegators.</summary>
    private long KeptBytes => _kept.Values.Sum(k => k.Values.Sum(s => s.Bytes));

    /// <summary>Keeps what was just sealed for the vchannels watched (called under the gate, at the seal, so a read sees it growing or kept, never neither).</summary>
    private void Keep(IEnumerable<SealedSegment> sealedNow)
    {
        foreach (var segment in sealedNow)
        {
            _unwritten.Add(segment);
            if (_watchers.TryGetValue(segment.VChannel, out var holders))
            {
                _kept[segment.VChannel][segment.Key.SegmentId] = new KeptSegment(segment, holders);
            }
        }
    }

    private void ReleaseHeld(string vchannel, string holder, long segmentId)
    {
        if (_kept.TryGetValue(vchannel, out var kept) && kept.TryGetValue(segmentId, out var segment)
            && segment.Holders.Remove(holder) && segment.Holders.Count == 0)
        {
            kept.Remove(segmentId);
        }
    }

    /// <summary>Marks kept segments as written to history: from now on a query node can load them.</summary>
    private void MarkWritten(IEnumerable<SealedSegment> written)
    {
        foreach (var segment in written)
        {
            _unwritten.Remove(segment);
            if (_kept.TryGetValue(segment.VChannel, out var kept) && kept.TryGetValue(segment.Key.SegmentId, out var entry) && entry.Segment == segment)
            {
                entry.Written = true;
            }
        }
    }
}
