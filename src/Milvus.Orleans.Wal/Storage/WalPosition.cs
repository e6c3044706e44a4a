namespace Milvus.Orleans.Wal.Storage;

/// <summary>
/// The id of a record: its byte address in the whole log (across segments), so ids are totally ordered,
/// comparable across back-ends and survive truncation. <see cref="Start"/> is before every record.
/// </summary>
public readonly record struct WalPosition(long Value) : IComparable<WalPosition>
{
    /// <summary>The position before the first record a log ever had.</summary>
    public static readonly WalPosition Start = new(0);

    public int CompareTo(WalPosition other) => Value.CompareTo(other.Value);

    public static bool operator <(WalPosition left, WalPosition right) => left.Value < right.Value;

    public static bool operator >(WalPosition left, WalPosition right) => left.Value > right.Value;

    public static bool operator <=(WalPosition left, WalPosition right) => left.Value <= right.Value;

    public static bool operator >=(WalPosition left, WalPosition right) => left.Value >= right.Value;

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One record read back from a log.</summary>
/// <param name="Id">Where the record starts; ids strictly increase along a log.</param>
/// <param name="Next">Where the next record starts: resume a read here to get exactly the suffix.</param>
/// <param name="Type">Caller-defined record type.</param>
/// <param name="Payload">The bytes appended.</param>
public sealed record WalRecord(WalPosition Id, WalPosition Next, byte Type, ReadOnlyMemory<byte> Payload);

/// <summary>One record to append.</summary>
public readonly record struct WalEntry(byte Type, ReadOnlyMemory<byte> Payload);
