using Microsoft.Extensions.VectorData;
using Milvus.Orleans.Query;

namespace Milvus.Orleans.VectorData;

/// <summary>Options of a <see cref="MilvusCollection{TKey, TRecord}"/>.</summary>
public sealed class MilvusCollectionOptions : VectorStoreCollectionOptions
{
    /// <summary>The options every collection starts from.</summary>
    internal static MilvusCollectionOptions Default { get; } = new();

    /// <summary>Options with the defaults.</summary>
    public MilvusCollectionOptions()
    {
    }

    /// <summary>A copy of <paramref name="source"/>.</summary>
    public MilvusCollectionOptions(MilvusCollectionOptions source)
        : base(source)
    {
        ArgumentNullException.ThrowIfNull(source);
        ShardCount = source.ShardCount;
        Consistency = source.Consistency;
    }

    /// <summary>The shards a collection created by <c>EnsureCollectionExistsAsync</c> gets (1..16).</summary>
    public int ShardCount { get; set; } = 1;

    /// <summary>
    /// Which writes reads see. <see cref="ConsistencyLevel.Strong"/> (the default) reads every write acknowledged
    /// before the read began, as callers of a store expect after an upsert; <see cref="ConsistencyLevel.Bounded"/> may
    /// be up to 5 s stale and saves a timestamp per read.
    /// </summary>
    public ConsistencyLevel Consistency { get; set; } = ConsistencyLevel.Strong;
}
