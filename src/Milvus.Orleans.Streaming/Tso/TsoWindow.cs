using Milvus.Orleans.Grains;
namespace Milvus.Orleans.Streaming.Tso;

/// <summary>
/// The timestamp oracle's arithmetic. Timestamps are handed out only below a persisted upper bound
/// (the reservation), so after a restart the oracle resumes above the last reservation and never reissues
/// a timestamp, even though it does not persist every allocation.
/// </summary>
internal sealed class TsoWindow
{
    private ulong _lastIssued;

    /// <param name="reservedUpTo">The last persisted reservation (0 for a new cluster).</param>
    /// <param name="windowMs">How far ahead of the clock one reservation reaches.</param>
    public TsoWindow(ulong reservedUpTo, long windowMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowMs);
        ReservedUpTo = reservedUpTo;
        WindowMs = windowMs;
        // Anything up to the reservation may have been issued before a crash.
        _lastIssued = reservedUpTo;
    }

    public ulong ReservedUpTo { get; private set; }

    public long WindowMs { get; }

    /// <summary>The next <paramref name="count"/> timestamps: above every issued one and not behind the clock.</summary>
    public TimestampRange Next(int count, long nowMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, ITsoGrain.MaxBatch);
        var first = Math.Max(_lastIssued + 1, HybridTimestamp.Compose(nowMs, 0).Value);
        return new(new HybridTimestamp(first), count);
    }

    /// <summary>The reservation to persist before <paramref name="range"/> may be issued, or null if none is needed.</summary>
    public ulong? ReservationFor(TimestampRange range, long nowMs) =>
        range.Last.Value <= ReservedUpTo
            ? null
            : Math.Max(range.Last.Value, HybridTimestamp.Compose(nowMs + WindowMs, HybridTimestamp.MaxLogical).Value);

    /// <summary>Records that <paramref name="reservedUpTo"/> is durable.</summary>
    public void Reserved(ulong reservedUpTo) => ReservedUpTo = Math.Max(ReservedUpTo, reservedUpTo);

    /// <summary>Marks <paramref name="range"/> as handed out; it must lie inside the reservation.</summary>
    public void Issue(TimestampRange range)
    {
        if (range.Last.Value > ReservedUpTo || range.First.Value <= _lastIssued)
        {
            throw new InvalidOperationException(
                $"Range {range.First.Value}..{range.Last.Value} is outside ({_lastIssued}, {ReservedUpTo}].");
        }

        _lastIssued = range.Last.Value;
    }
}
