namespace Milvus.Orleans;

/// <summary>
/// A hybrid timestamp (TSO): milliseconds since the Unix epoch in the high bits, an 18-bit logical
/// counter in the low bits, so timestamps order writes cluster-wide and still read as wall-clock time.
/// </summary>
[GenerateSerializer, Immutable]
public readonly record struct HybridTimestamp(
    [property: Id(0)] ulong Value) : IComparable<HybridTimestamp>
{
    /// <summary>Bits of the logical counter.</summary>
    public const int LogicalBits = 18;

    /// <summary>Largest logical counter within one millisecond.</summary>
    public const ulong MaxLogical = (1UL << LogicalBits) - 1;

    /// <summary>Milliseconds since the Unix epoch.</summary>
    public long PhysicalMs => (long)(Value >> LogicalBits);

    /// <summary>Counter within <see cref="PhysicalMs"/>.</summary>
    public ulong Logical => Value & MaxLogical;

    /// <summary>Builds a timestamp from its parts.</summary>
    public static HybridTimestamp Compose(long physicalMs, ulong logical)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(physicalMs);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(logical, MaxLogical);
        return new(((ulong)physicalMs << LogicalBits) | logical);
    }

    public int CompareTo(HybridTimestamp other) => Value.CompareTo(other.Value);

    public static bool operator <(HybridTimestamp left, HybridTimestamp right) => left.Value < right.Value;

    public static bool operator >(HybridTimestamp left, HybridTimestamp right) => left.Value > right.Value;

    public static bool operator <=(HybridTimestamp left, HybridTimestamp right) => left.Value <= right.Value;

    public static bool operator >=(HybridTimestamp left, HybridTimestamp right) => left.Value >= right.Value;

    public override string ToString() => $"{Value} ({DateTimeOffset.FromUnixTimeMilliseconds(PhysicalMs):O}+{Logical})";
}
