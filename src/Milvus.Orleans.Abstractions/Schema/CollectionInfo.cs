namespace Milvus.Orleans.Schema;

/// <summary>Where a collection is in its life.</summary>
public enum CollectionState
{
    /// <summary>Its create messages are being written to its vchannels.</summary>
    Creating = 1,

    /// <summary>Takes reads and writes.</summary>
    Ready = 2,

    /// <summary>Its drop messages are being written; it takes no more writes.</summary>
    Dropping = 3,

    /// <summary>Gone; the id is kept so late writes are told so. The name may be used again.</summary>
    Dropped = 4,
}

/// <summary>A collection as the catalog knows it.</summary>
/// <param name="Id">Collection id, unique for the life of the cluster; blob and channel names use it, never the name.</param>
/// <param name="Schema">Its schema.</param>
/// <param name="VChannels">One vchannel per shard, index = shard.</param>
/// <param name="Partitions">Partition names, <see cref="Names.DefaultPartition"/> first.</param>
/// <param name="State">Where it is in its life.</param>
/// <param name="PartitionIds">The id of each partition, in the order of <paramref name="Partitions"/>: unique for the
/// life of the cluster, never reused; history blob names use them. Null only in state written before ids existed.</param>
/// <param name="AddedReplicas">Read replicas loaded beyond the first (see <see cref="Replicas"/>); counted from zero so
/// that state written before replicas existed reads as one replica.</param>
/// <param name="Loaded">
/// Milvus' load state: loaded (<c>LoadCollection</c>) and not released since. The SDK's reads load what they need
/// whatever it says; the REST API refuses reads of a collection not loaded, as Milvus does.
/// </param>
/// <param name="Aliases">Its other names, under which every call reaches it (null: none).</param>
[GenerateSerializer, Immutable]
public sealed record CollectionInfo(
    [property: Id(0)] long Id,
    [property: Id(1)] CollectionSchema Schema,
    [property: Id(2)] IReadOnlyList<string> VChannels,
    [property: Id(3)] IReadOnlyList<string> Partitions,
    [property: Id(4)] CollectionState State,
    [property: Id(5)] IReadOnlyList<long>? PartitionIds = null,
    [property: Id(6)] int AddedReplicas = 0,
    [property: Id(7)] bool Loaded = false,
    [property: Id(8)] IReadOnlyList<string>? Aliases = null)
{
    /// <summary>The most read replicas a collection is loaded with.</summary>
    public const int MaxReplicas = 8;

    /// <summary>How many delegators serve each shard's reads: the first on the pchannel's silo, the others on other silos.</summary>
    public int Replicas => 1 + AddedReplicas;

    /// <summary>The collection's name.</summary>
    public string Name => Schema.Name;

    /// <summary>Whether the collection was dropped or is being dropped.</summary>
    public bool IsDropped => State is CollectionState.Dropping or CollectionState.Dropped;

    /// <summary>Whether <paramref name="name"/> is the collection's name or one of its aliases.</summary>
    public bool IsNamed(string name) => string.Equals(Name, name, StringComparison.Ordinal) || (Aliases?.Contains(name, StringComparer.Ordinal) ?? false);

    /// <summary>Whether the collection has a partition named <paramref name="partition"/>.</summary>
    public bool HasPartition(string partition) => Partitions.Contains(partition, StringComparer.Ordinal);

    /// <summary>The id of partition <paramref name="partition"/>, or null if the collection has none of that name.</summary>
    public long? PartitionId(string partition)
    {
        for (var i = 0; i < Partitions.Count; i++)
        {
            if (string.Equals(Partitions[i], partition, StringComparison.Ordinal))
            {
                return PartitionIds?[i];
            }
        }

        return null;
    }
}
