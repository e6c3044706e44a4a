using System.Collections.Concurrent;
using Milvus.Orleans.Data;

namespace Milvus.Orleans.Query.Segments;

/// <summary>
/// The deletes of one shard, each once, in the order they became known (the order query nodes receive them), with
/// the timestamps of each key's deletes for reads at a timestamp: a row written at <c>r</c> is hidden at <c>t</c> by a
/// delete of its key at <c>d</c> when <c>r &lt; d ≤ t</c> (an upsert deletes and writes at the same timestamp).
/// One writer at a time (the grain that owns it) and any number of readers at once: each key's timestamps are an
/// array replaced whole, never changed in place.
/// </summary>
internal sealed class DeleteLog
{
    private readonly ConcurrentDictionary<long, long[]> _byInt64 = new();
    private readonly ConcurrentDictionary<string, long[]> _byString = new(StringComparer.Ordinal);
    private readonly List<(object Key, long Ts)> _order = [];

    /// <summary>Deletes known, in order.</summary>
    public int Count => _order.Count;

    /// <summary>The largest delete timestamp known; 0 before the first.</summary>
    public long MaxTs { get; private set; }

    /// <summary>Adds the deletes of <paramref name="keys"/> at <paramref name="timestamps"/> (one each) not known yet.</summary>
    public void Add(Array keys, ReadOnlySpan<long> timestamps)
    {
        switch (keys)
        {
            case long[] longs:
                for (var i = 0; i < longs.Length; i++)
                {
                    Add(_byInt64, longs[i], timestamps[i]);
                }

                break;
            case string[] strings:
                for (var i = 0; i < strings.Length; i++)
                {
                    Add(_byString, strings[i], timestamps[i]);
                }

                break;
            default:
                throw new ArgumentException($"Primary keys are Int64 or VarChar, not {keys?.GetType().Name}.", nameof(keys));
        }
    }

    /// <summary>Adds every delete of <paramref name="keys"/> at one timestamp.</summary>
    public void Add(Array keys, long ts)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var timestamps = new long[keys.Length];
        Array.Fill(timestamps, ts);
        Add(keys, timestamps);
    }

    /// <summary>The timestamp of every delete known, in the order they became known.</summary>
    public long[] Timestamps() => [.. _order.Select(d => d.Ts)];

    /// <summary>The deletes from position <paramref name="from"/> on, as key column and timestamps.</summary>
    public (PrimaryKeys Keys, long[] Timestamps) Since(int from)
    {
        var slice = _order.Skip(from).ToArray();
        var timestamps = slice.Select(d => d.Ts).ToArray();
        var keys = slice.Length > 0 && slice[0].Key is string
            ? PrimaryKeys.Of([.. slice.Select(d => (string)d.Key)])
            : PrimaryKeys.Of([.. slice.Select(d => (long)d.Key)]);
        return (keys, timestamps);
    }

    /// <summary>Whether the row of <paramref name="keys"/> at <paramref name="row"/>, written at <paramref name="rowTs"/>, is deleted at <paramref name="readTs"/>.</summary>
    public bool Hides(Array keys, int row, long rowTs, long readTs) => keys switch
    {
        long[] longs => _byInt64.TryGetValue(longs[row], out var at) && Between(at, rowTs, readTs),
        string[] strings => _byString.TryGetValue(strings[row], out var at) && Between(at, rowTs, readTs),
        _ => false,
    };

    /// <summary>Whether any timestamp in the sorted <paramref name="at"/> lies in (rowTs, readTs].</summary>
    private static bool Between(long[] at, long rowTs, long readTs)
    {
        var index = Array.BinarySearch(at, rowTs + 1);
        var first = index >= 0 ? index : ~index;
        return first < at.Length && at[first] <= readTs;
    }

    private void Add<TKey>(ConcurrentDictionary<TKey, long[]> byKey, TKey key, long ts)
        where TKey : notnull
    {
        var at = byKey.GetValueOrDefault(key, []);
        var index = Array.BinarySearch(at, ts);
        if (index >= 0)
        {
            return;
        }

        byKey[key] = [.. at.AsSpan(0, ~index), ts, .. at.AsSpan(~index)];
        _order.Add((key, ts));
        MaxTs = Math.Max(MaxTs, ts);
    }
}
