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

    /// <summary>Drops a collection (one with aliases only once they are dropped, as Milvus); writes to it fail from then on.</summary>
    [ClientFacing]
    Task DropCollectionAsync(string name);

    /// <summary>
    /// Renames a collection (by its name, not an alias); its id, data and aliases stay. Clients that described it
    /// under the old name find out within <c>MilvusClient.DescriptionLifetime</c>.
    /// </summary>
    [ClientFacing]
    Task<CollectionInfo> RenameCollectionAsync(string name, string newName);

    /// <summary>
    /// Gives collection <paramref name="collection"/> (by its name) the other name <paramref name="aliasName"/>, under
    /// which every call reaches it; the same alias again is no change, an alias of another collection is refused.
    /// </summary>
    [ClientFacing]
    Task<CollectionInfo> CreateAliasAsync(string collection, string aliasName);

    /// <summary>Moves alias <paramref name="aliasName"/> to collection <paramref name="collection"/> (by its name).</summary>
    [ClientFacing]
    Task<CollectionInfo> AlterAliasAsync(string collection, string aliasName);

    /// <summary>Removes an alias; one that does not exist is no change, as in Milvus.</summary>
    [ClientFacing]
    Task DropAliasAsync(string aliasName);

    /// <summary>Every alias of the cluster's collections, sorted.</summary>
    [ClientFacing]
    [AlwaysInterleave]
    Task<IReadOnlyList<string>> ListAliasesAsync();

    /// <summary>
    /// Indexes vector field <paramref name="field"/> by <paramref name="index"/> under <paramref name="metric"/>, as
    /// Milvus' <c>create_index</c>: the same index again is no change; a field indexed otherwise, or a loaded
    /// collection whose field would change, is refused (drop the index, or release the collection, first).
    /// </summary>
    [ClientFacing]
    Task<CollectionInfo> CreateIndexAsync(string collection, string field, VectorIndex index, MetricType metric);

    /// <summary>Drops index <paramref name="indexName"/> of a released collection: its field is searched through HNSW with the silos' settings again.</summary>
    [ClientFacing]
    Task<CollectionInfo> DropIndexAsync(string collection, string indexName);

    /// <summary>Names of the collections, sorted.</summary>
    [ClientFacing]
    [AlwaysInterleave]
    Task<IReadOnlyList<string>> ListCollectionsAsync();

    /// <summary>The collection named <paramref name="name"/>, or whose alias it is.</summary>
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

    /// <summary>The dropped collections and partitions whose history files are still to be deleted, oldest first.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<DroppedHistory>> GetDroppedHistoryAsync();

    /// <summary>Forgets dropped history whose files were deleted.</summary>
    Task ForgetDroppedHistoryAsync(IReadOnlyList<DroppedHistory> deleted);
}

/// <summary>A dropped collection (<paramref name="PartitionId"/> null) or partition whose history files are still in storage.</summary>
[GenerateSerializer, Immutable]
public sealed record DroppedHistory(
    [property: Id(0)] long CollectionId,
    [property: Id(1)] long? PartitionId,
    [property: Id(2)] DateTimeOffset DroppedAt);
