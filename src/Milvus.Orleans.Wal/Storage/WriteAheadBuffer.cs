namespace Milvus.Orleans.Wal.Storage;

/// <summary>
/// The most recent durable records of one log, bounded by bytes and by age, so readers at the tail are
/// served from memory. Records enter in id order; appends that finish out of order wait in a stash until
/// the records before them arrive, so the buffer never has a gap.
/// </summary>
public sealed class WriteAheadBuffer
{
    private readonly Lock _lock = new();
    // Oldest first; _head skips evicted entries so eviction is O(1), compacted now and then.
    private readonly List<(WalRecord Record, long AddedAt)> _records = [];
    private readonly SortedDictionary<long, IReadOnlyList<WalRecord>> _stash = [];
    private readonly TimeProvider _time;
    private int _head;
    private long _bytes;
    private long _end;

    /// <param name="start">The durable end of the log when the buffer starts; it holds records from there on.</param>
    /// <param name="capacityBytes">Most bytes (frames) held.</param>
    /// <param name="maxAge">Records older than this are dropped.</param>
    /// <param name="time">Clock of <paramref name="maxAge"/>.</param>
    public WriteAheadBuffer(WalPosition start, long capacityBytes, TimeSpan maxAge, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacityBytes);
        _end = start.Value;
        CapacityBytes = capacityBytes;
        MaxAge = maxAge;
        _time = time;
    }

    public long CapacityBytes { get; }

    public TimeSpan MaxAge { get; }

    /// <summary>Bytes held now, by the buffer's own accounting (frame sizes); never above <see cref="CapacityBytes"/>.</summary>
    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    internal AppendSignal Signal { get; } = new();

    /// <summary>Adds durable records (one append's, in order); they become readable once contiguous with the buffer.</summary>
    public void Add(IReadOnlyList<WalRecord> records)
    {
        if (records.Count == 0)
        {
            return;
        }

        lock (_lock)
        {
            _stash[records[0].Id.Value] = records;
            while (_stash.Remove(_end, out var next))
            {
                var now = _time.GetTimestamp();
                foreach (var record in next)
                {
                    _records.Add((record, now));
                    _bytes += Size(record);
                    _end = record.Next.Value;
                }
            }

            Evict();
        }

        Signal.Pulse();
    }

    /// <summary>
    /// The buffered records with id ≥ <paramref name="from"/>, or null when the buffer no longer (or not yet)
    /// holds <paramref name="from"/> and the caller must read storage. An empty list means "nothing newer yet".
    /// </summary>
    public List<WalRecord>? TryRead(WalPosition from)
    {
        lock (_lock)
        {
            Evict();
            var oldest = _head < _records.Count ? _records[_head].Record.Id.Value : _end;
            if (from.Value < oldest || from.Value > _end)
            {
                return null;
            }

            // First record with id >= from.
            int low = _head, high = _records.Count;
            while (low < high)
            {
                var middle = (low + high) >>> 1;
                if (_records[middle].Record.Id < from)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle;
                }
            }

            var found = new List<WalRecord>(_records.Count - low);
            for (var i = low; i < _records.Count; i++)
            {
                found.Add(_records[i].Record);
            }

            return found;
        }
    }

    /// <summary>Drops records that end at or before <paramref name="upTo"/>, as the log was truncated there.</summary>
    public void DropBefore(WalPosition upTo)
    {
        lock (_lock)
        {
            while (_head < _records.Count && _records[_head].Record.Next <= upTo)
            {
                DropOldest();
            }

            Evict();
        }
    }

    private static long Size(WalRecord record) => record.Next.Value - record.Id.Value;

    private void DropOldest()
    {
        _bytes -= Size(_records[_head].Record);
        _records[_head++] = default;
    }

    private void Evict()
    {
        while (_head < _records.Count
            && (_bytes > CapacityBytes || _time.GetElapsedTime(_records[_head].AddedAt) > MaxAge))
        {
            DropOldest();
        }

        if (_head > 1024 && _head > _records.Count / 2)
        {
            _records.RemoveRange(0, _head);
            _head = 0;
        }
    }
}
