using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Milvus.Orleans.Channels;

/// <summary>Which shard a primary key belongs to; the client routes by it and the vchannel checks it.</summary>
public static class ShardRouter
{
    /// <summary>The shard of an Int64 key.</summary>
    public static int ShardOf(long key, int shardCount)
    {
        Span<byte> bytes = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, key);
        return (int)(XxHash3.HashToUInt64(bytes) % (ulong)shardCount);
    }

    /// <summary>The shard of a VarChar key.</summary>
    public static int ShardOf(string key, int shardCount)
    {
        ArgumentNullException.ThrowIfNull(key);
        return (int)(XxHash3.HashToUInt64(MemoryMarshal.AsBytes(key.AsSpan())) % (ulong)shardCount);
    }

    /// <summary>The shard of every key of a primary-key column: <c>long[]</c> or <c>string[]</c>.</summary>
    public static int[] ShardsOf(Array keys, int shardCount) => keys switch
    {
        long[] longs => [.. longs.Select(k => ShardOf(k, shardCount))],
        string[] strings => [.. strings.Select(k => ShardOf(k, shardCount))],
        _ => throw new ArgumentException($"Primary keys are long[] or string[], not {keys?.GetType().Name ?? "null"}.", nameof(keys)),
    };
}
