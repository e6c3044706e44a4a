using System.Buffers;
using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Milvus.Orleans.Wal.Storage;

/// <summary>
/// Segment files of a local log: named by the position of their first byte, read frame by frame.
/// </summary>
internal static class SegmentFiles
{
    private const string Extension = ".seg";
    private const int ResyncChunk = 64 * 1024;

    public static string Name(long baseLsn) => baseLsn.ToString("D20", CultureInfo.InvariantCulture) + Extension;

    /// <summary>The base positions of the segments in <paramref name="directory"/>, ascending.</summary>
    public static List<long> List(string directory)
    {
        var bases = new List<long>();
        if (!Directory.Exists(directory))
        {
            return bases;
        }

        foreach (var path in Directory.EnumerateFiles(directory, "*" + Extension))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var baseLsn))
            {
                bases.Add(baseLsn);
            }
        }

        bases.Sort();
        return bases;
    }

    /// <summary>The frame at <paramref name="offset"/>, reading no further than <paramref name="limit"/>.</summary>
    public static Frame Read(SafeFileHandle file, long offset, long limit)
    {
        Span<byte> header = stackalloc byte[WalFrame.HeaderSize];
        var available = (int)Math.Min(WalFrame.HeaderSize, limit - offset);
        if (available <= 0)
        {
            return new(WalFrame.Status.Incomplete, null, 0);
        }

        var read = RandomAccess.Read(file, header[..available], offset);
        var status = WalFrame.TryRead(header[..read], out _, out _);
        if (status == WalFrame.Status.Corrupt || read < WalFrame.HeaderSize)
        {
            return new(status, null, 0);
        }

        var length = BitConverter.ToInt32(header[4..8]);
        if (length is < 0 or > WalFrame.MaxPayload)
        {
            return new(WalFrame.Status.Corrupt, null, 0);
        }

        var size = WalFrame.SizeOf(length);
        if (offset + size > limit)
        {
            return new(WalFrame.Status.Incomplete, null, 0);
        }

        var frame = new byte[size];
        if (RandomAccess.Read(file, frame, offset) < size)
        {
            return new(WalFrame.Status.Incomplete, null, 0);
        }

        return new(WalFrame.TryRead(frame, out _, out _), frame, size);
    }

    /// <summary>The offset of the first intact frame after <paramref name="from"/> and before <paramref name="limit"/>, or -1.</summary>
    public static long FindNextFrame(SafeFileHandle file, long from, long limit)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ResyncChunk);
        try
        {
            for (var chunkStart = from; chunkStart < limit; chunkStart += ResyncChunk - 3)
            {
                var read = RandomAccess.Read(file, buffer.AsSpan(0, (int)Math.Min(ResyncChunk, limit - chunkStart)), chunkStart);
                for (var at = WalFrame.FindNextMagic(buffer.AsSpan(0, read), 0); at >= 0; at = WalFrame.FindNextMagic(buffer.AsSpan(0, read), at + 1))
                {
                    if (Read(file, chunkStart + at, limit).Status == WalFrame.Status.Valid)
                    {
                        return chunkStart + at;
                    }
                }

                if (read < ResyncChunk)
                {
                    break;
                }
            }

            return -1;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Walks a segment from its start: where its intact frames end, and the offsets of corrupt frames that
    /// intact frames follow (a damaged frame with nothing intact after it is a torn tail, not corruption).
    /// </summary>
    public static (long ValidEnd, List<long> Corrupt) Scan(SafeFileHandle file, long length)
    {
        var corrupt = new List<long>();
        long offset = 0;
        while (offset < length)
        {
            var frame = Read(file, offset, length);
            if (frame.Status == WalFrame.Status.Valid)
            {
                offset += frame.Size;
                continue;
            }

            var next = FindNextFrame(file, offset + 1, length);
            if (next < 0)
            {
                break;
            }

            corrupt.Add(offset);
            offset = next;
        }

        return (offset, corrupt);
    }

    /// <summary>A frame as read: its bytes when <see cref="Status"/> is Valid.</summary>
    public readonly record struct Frame(WalFrame.Status Status, byte[]? Bytes, int Size)
    {
        public byte Type => Bytes![12];

        public ReadOnlyMemory<byte> Payload => Bytes.AsMemory(WalFrame.HeaderSize);
    }
}
