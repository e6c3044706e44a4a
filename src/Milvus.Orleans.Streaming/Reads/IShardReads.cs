using Milvus.Orleans.Schema;
using Milvus.Orleans.History.Checkpoints;
using Milvus.Orleans.History.Segments;

namespace Milvus.Orleans.Streaming.Reads;

/// <summary>
/// The read model of the shards on this silo: the one way readers (the query delegators) reach the rows and deletes
/// that are not on query nodes yet. On a pchannel's silo its recovery writes them as it reads the log (growing
/// segments, and sealed segments kept until a reader has them on a query node); on other silos a follower of the log
/// holds them for a read replica.
/// </summary>
public interface IShardReads
{
    /// <summary>The growing data of <paramref name="pchannel"/>'s recovery running on this silo, if any; a new term's recovery replaces it.</summary>
    IRecoveredChannel? Recovering(string pchannel);

    /// <summary>
    /// Starts following shard <paramref name="vchannel"/>'s log in storage from <paramref name="checkpoint"/> (null:
    /// the log's beginning), leaving out what <paramref name="inHistory"/> (its segments in history, on query nodes) holds.
    /// </summary>
    IFollowedShard Follow(string vchannel, CollectionInfo collection, PChannelCheckpoint? checkpoint, IEnumerable<SegmentManifest> inHistory);
}

/// <summary>
/// The growing data of a pchannel's recovery, as its readers see it. A reader (a holder) watches a vchannel: from then
/// on each segment sealed there stays in memory until the holder releases it (it has it on a query node), so every
/// read finds each row growing, kept or on a node.
/// </summary>
public interface IRecoveredChannel
{
    /// <summary>Completes once everything before the durable end the log was opened at was taken again.</summary>
    Task Replayed { get; }

    /// <summary>Keeps <paramref name="vchannel"/>'s segments sealed from now on in memory until <paramref name="holder"/> releases them.</summary>
    void Watch(string vchannel, string holder);

    /// <summary>Stops keeping sealed segments for <paramref name="holder"/>, and releases those it held.</summary>
    void Unwatch(string vchannel, string holder);

    /// <summary><paramref name="holder"/> has the kept segment on a query node now; the segment goes once no holder needs it.</summary>
    void Release(string vchannel, string holder, long segmentId);

    /// <summary>What <paramref name="vchannel"/> holds in memory for <paramref name="holder"/>, all at one moment.</summary>
    VChannelSnapshot Snapshot(string vchannel, string holder);

    /// <summary>Completes once the log was applied up to <paramref name="ts"/> (time ticks included).</summary>
    Task WaitAppliedAsync(HybridTimestamp ts, CancellationToken cancellationToken);
}

/// <summary>
/// One shard's growing data on a silo that does not own its pchannel: the rows and deletes of the log that history
/// does not hold yet. Its reader moves history's new segments onto query nodes and then covers them here.
/// </summary>
public interface IFollowedShard : IAsyncDisposable
{
    /// <summary>Whether the log no longer holds what this follower must read next: a new one must start from a newer checkpoint.</summary>
    bool Behind { get; }

    /// <summary>The shard's data in memory now, and the deletes after the <paramref name="deletesTaken"/>-th (which it forgets).</summary>
    FollowerSnapshot Snapshot(long deletesTaken);

    /// <summary>History holds partition <paramref name="partitionId"/>'s records before <paramref name="endPosition"/>, on query nodes: their rows leave memory.</summary>
    void Cover(long partitionId, long endPosition);

    /// <summary>Completes once the log was read up to <paramref name="ts"/> (time ticks included).</summary>
    Task WaitAppliedAsync(HybridTimestamp ts, CancellationToken cancellationToken);
}
