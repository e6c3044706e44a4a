using Milvus.Orleans.Schema;
using Orleans.Concurrency;

namespace Milvus.Orleans.Grains;

/// <summary>
/// The collections of the cluster (key 0): names, schemas, partitions and vchannels. Each change is also written
/// as a DDL message to the collection's vchannels, so consumers see it in order with the data.
/// </summary>
public interface ICatalogGrain : IGrainWithIntegerKey
{
    /// <summary>The most collections the cluster holds at once (dropped ones not counted).</summary>
    const int MaxCollections = 4_096;

    /// <summary>The most partitions a collection has, its default one included, as Milvus allows.</summary>
    const int MaxPartitions = 1_024;

    /// <summary>Creates a collection with one vchannel per shard and a default partition.</summary>
    [ClientFacing]
    Task<CollectionInfo> CreateCollectionAsync(CollectionSchema schema);

    /// <summary>Drops a collection; writes to it fail from then on.</summary>
    [ClientFacing]
    Task DropCollectionAsync(string name);

    /// <summary>Names of the collections, sorted.</summary>
    [ClientFacing]
    [AlwaysInterleave]
    Task<IReadOnlyList<string>> ListCollectionsAsync();

    /// <summary>The collection named <paramref name="name"/>.</summary>
    [ClientFacing]
    [AlwaysInterleave]
    Task<CollectionInfo> DescribeCollectionAsync(string name);

    /// <summary>The collection with id <paramref name="id"/> in any state (a dropped one too), or null if there never was one.</summary>
    /// <remarks>Interleaves with DDL, which waits for the vchannels that ask this.</remarks>
    [AlwaysInterleave]
    Task<CollectionInfo?> GetCollectionAsync(long id);

    /// <summary>Whether a collection was ever created (a dropped one's log may still hold data): the cluster's shape is then fixed.</summary>
    [AlwaysInterleave]
    Task<bool> HasCollectionsAsync();

    /// <summary>
    /// Sets how many delegators serve each shard's reads (1 to <see cref="CollectionInfo.MaxReplicas"/>), as Milvus'
    /// <c>replica_number</c> of a load.
    /// </summary>
    [ClientFacing]
    Task<CollectionInfo> SetReplicasAsync(string collection, int replicas);

    /// <summary>Records a load (<paramref name="loaded"/> true) or a release of a collection: its load state.</summary>
    [ClientFacing]
    Task<CollectionInfo> SetLoadedAsync(string collection, bool loaded);

    /// <summary>Adds a partition.</summary>
    [ClientFacing]
    Task<CollectionInfo> CreatePartitionAsync(string collection, string partition);

    /// <summary>Removes a partition (not the default one).</summary>
    [ClientFacing]
    Task<CollectionInfo> DropPartitionAsync(string collection, string partition);
}
