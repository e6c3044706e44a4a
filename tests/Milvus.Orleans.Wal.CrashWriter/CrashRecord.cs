using System.Buffers.Binary;

namespace Milvus.Orleans.Wal.Tests.Crash;

/// <summary>
/// A self-describing record: term, appender and sequence, then filler whose length and bytes follow from them,
/// so a reader can tell a whole record from garbage without knowing what was acknowledged.
/// </summary>
public static class CrashRecord
{
    private const int HeaderSize = 20;

    public static byte[] Payload(long term, int appender, long sequence)
    {
        // Not HashCode.Combine: it is seeded per process, and the reader is another process.
        var random = new Random(unchecked((int)((term * 1_000_003) ^ (appender * 7_919) ^ (sequence * 104_729))));
        var payload = new byte[HeaderSize + random.Next(1, 4097)];
        BinaryPrimitives.WriteInt64LittleEndian(payload, term);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(8), appender);
        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(12), sequence);
        random.NextBytes(payload.AsSpan(HeaderSize));
        return payload;
    }

    /// <summary>The (term, appender, sequence) the payload claims, if it is exactly what they produce.</summary>
    public static (long Term, int Appender, long Sequence)? Parse(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < HeaderSize)
        {
            return null;
        }

        var term = BinaryPrimitives.ReadInt64LittleEndian(payload);
        var appender = BinaryPrimitives.ReadInt32LittleEndian(payload[8..]);
        var sequence = BinaryPrimitives.ReadInt64LittleEndian(payload[12..]);
        return payload.SequenceEqual(Payload(term, appender, sequence)) ? (term, appender, sequence) : null;
    }
}
