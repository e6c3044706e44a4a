using System.Buffers.Binary;
using System.Numerics;

namespace Milvus.Orleans.Wal.Storage;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of iSCSI, ext4 and Kafka record batches. System.IO.Hashing 11 has
/// no CRC-32C, so this runs on <see cref="BitOperations.Crc32C(uint, ulong)"/>, which uses the CPU's CRC32
/// instruction where it exists.
/// </summary>
internal static class Crc32C
{
    public const uint Seed = 0xFFFFFFFF;

    /// <summary>Feeds <paramref name="data"/> into a running CRC that started at <see cref="Seed"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= sizeof(ulong))
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }

    /// <summary>The final value of a running CRC.</summary>
    public static uint Finish(uint crc) => ~crc;

    /// <summary>The CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Seed, data));
}
