using Milvus.Orleans.Schema;
using Orleans.Concurrency;

namespace Milvus.Orleans.Grains;

/// <summary>
/// The collections of the cluster (key 0): names, schemas, partitions and vchannels. Each change is also written
/// as a DDL message to the collection's vchannels, so consumers see it in order with the data.
/// </summary>
public interface ICatalogGrain : IGrainWithIntegerKey
{
    /// <summary>Creates a collection with one vchannel per shard and a default partition.</summary>
    Task<CollectionInfo> CreateCollectionAsync(CollectionSchema schema);

    /// <summary>Drops a collection; writes to it fail from then on.</summary>
    Task DropCollectionAsync(string name);

    /// <summary>Names of the collections, sorted.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<string>> ListCollectionsAsync();

    /// <summary>The collection named <paramref name="name"/>.</summary>
    [AlwaysInterleave]
    Task<CollectionInfo> DescribeCollectionAsync(string name);

    /// <summary>The collection with id <paramref name="id"/> in any state (a dropped one too), or null if there never was one.</summary>
    /// <remarks>Interleaves with DDL, which waits for the vchannels that ask this.</remarks>
    [AlwaysInterleave]
    Task<CollectionInfo?> GetCollectionAsync(long id);

    /// <summary>Adds a partition.</summary>
    Task<CollectionInfo> CreatePartitionAsync(string collection, string partition);

    /// <summary>Removes a partition (not the default one).</summary>
    Task<CollectionInfo> DropPartitionAsync(string collection, string partition);
}
