using System.Buffers.Binary;

namespace Milvus.Orleans.Wal.Storage;

/// <summary>
/// The on-storage record frame: magic (4) · payload length (4) · CRC32C of length, type and payload (4) ·
/// type (1) · payload. The magic lets recovery find the next frame after a corrupt one; the CRC covers the
/// length, so a damaged length is detected rather than trusted.
/// </summary>
public static class WalFrame
{
    /// <summary>Bytes before the payload.</summary>
    public const int HeaderSize = 13;

    /// <summary>The first 4 bytes of every frame: "MOWL" little-endian.</summary>
    public const uint Magic = 0x4C574F4D;

    /// <summary>Largest payload of one record.</summary>
    public const int MaxPayload = 64 * 1024 * 1024;

    /// <summary>Bytes a frame of <paramref name="payloadLength"/> bytes takes.</summary>
    public static int SizeOf(int payloadLength) => HeaderSize + payloadLength;

    /// <summary>Writes one frame into <paramref name="destination"/>, which must hold <see cref="SizeOf"/> bytes.</summary>
    public static void Write(Span<byte> destination, byte type, ReadOnlySpan<byte> payload)
    {
        WriteHeader(destination, type, payload);
        payload.CopyTo(destination[HeaderSize..]);
    }

    /// <summary>Writes the <see cref="HeaderSize"/> bytes that precede <paramref name="payload"/> in its frame.</summary>
    public static void WriteHeader(Span<byte> destination, byte type, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], payload.Length);
        destination[12] = type;
        var crc = Crc32C.Append(Crc32C.Append(Crc32C.Seed, destination[4..8]), destination[12..13]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Crc32C.Finish(Crc32C.Append(crc, payload)));
    }

    /// <summary>What <see cref="TryRead"/> found at an offset.</summary>
    public enum Status
    {
        /// <summary>A whole, intact frame.</summary>
        Valid,

        /// <summary>The bytes end before the frame does: a torn write, or a frame still being written.</summary>
        Incomplete,

        /// <summary>The bytes are there but are not an intact frame.</summary>
        Corrupt,
    }

    /// <summary>Reads the frame at the start of <paramref name="source"/>.</summary>
    public static Status TryRead(ReadOnlySpan<byte> source, out byte type, out int payloadLength)
    {
        type = 0;
        payloadLength = 0;
        // Segments are preallocated with zeros: a zero header is space not written yet, not damage.
        if (!source[..Math.Min(HeaderSize, source.Length)].ContainsAnyExcept((byte)0))
        {
            return Status.Incomplete;
        }

        if (source.Length < HeaderSize)
        {
            return source.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(source) != Magic ? Status.Corrupt : Status.Incomplete;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(source[4..]);
        if (BinaryPrimitives.ReadUInt32LittleEndian(source) != Magic || length is < 0 or > MaxPayload)
        {
            return Status.Corrupt;
        }

        if (source.Length < SizeOf(length))
        {
            return Status.Incomplete;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(source[8..]) != Checksum(source[..SizeOf(length)]))
        {
            return Status.Corrupt;
        }

        type = source[12];
        payloadLength = length;
        return Status.Valid;
    }

    /// <summary>The next offset after <paramref name="from"/> where the magic appears, or -1.</summary>
    public static int FindNextMagic(ReadOnlySpan<byte> source, int from)
    {
        Span<byte> magic = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(magic, Magic);
        var index = source[from..].IndexOf(magic);
        return index < 0 ? -1 : from + index;
    }

    /// <summary>The offset of the first intact frame at or after <paramref name="from"/> in <paramref name="data"/>, or -1.</summary>
    public static int FindNextFrame(ReadOnlySpan<byte> data, int from)
    {
        for (var at = FindNextMagic(data, from); at >= 0; at = FindNextMagic(data, at + 1))
        {
            if (TryRead(data[at..], out _, out _) == Status.Valid)
            {
                return at;
            }
        }

        return -1;
    }

    private static uint Checksum(ReadOnlySpan<byte> frame) =>
        Crc32C.Finish(Crc32C.Append(Crc32C.Append(Crc32C.Seed, frame[4..8]), frame[12..]));
}
