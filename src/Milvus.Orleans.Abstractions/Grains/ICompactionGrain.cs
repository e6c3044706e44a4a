namespace Milvus.Orleans.Grains;

/// <summary>
/// Compaction of one collection's history (key: the collection id): small sealed segments of a partition are merged
/// into segments near <c>Milvus:Segment:MaxSizeMb</c>, and a segment with many rows no retained read can see any more
/// (deleted or expired before the retention window) is written again without them. Each new segment, with its HNSW
/// graphs, replaces its inputs in one manifest write; readers move to it without seeing a row twice or missing one.
/// Runs in the background, one segment at a time per silo; silos also start it on their own every
/// <c>Milvus:Compaction:IntervalMinutes</c>.
/// </summary>
[ClientFacing]
public interface ICompactionGrain : IGrainWithIntegerKey
{
    /// <summary>Starts a compaction of the collection unless one runs; returns its state at once.</summary>
    Task<CompactionState> CompactAsync();

    /// <summary>The state of the running or the last compaction.</summary>
    Task<CompactionState> GetStateAsync();
}

/// <summary>Where a compaction is.</summary>
public enum CompactionPhase
{
    /// <summary>None ran since the grain started.</summary>
    Idle,

    /// <summary>Planning or writing segments.</summary>
    Running,

    /// <summary>Done: every planned segment replaced its inputs.</summary>
    Completed,

    /// <summary>Stopped by an error (<see cref="CompactionState.Error"/>); segments replaced before it stay replaced.</summary>
    Failed,
}

/// <summary>A compaction's progress and outcome.</summary>
/// <param name="CollectionId">The collection.</param>
/// <param name="Phase">Where it is.</param>
/// <param name="Planned">New segments planned.</param>
/// <param name="Done">New segments written and swapped in so far.</param>
/// <param name="SegmentsBefore">Live segments of the collection when it started.</param>
/// <param name="SegmentsAfter">Live segments now: before, less the inputs replaced, plus the new ones.</param>
/// <param name="BytesRead">Bytes of segment files read.</param>
/// <param name="BytesWritten">Bytes of segment files written (graphs not included).</param>
/// <param name="RowsRemoved">Rows left out: deleted or expired before the retention window.</param>
/// <param name="Started">When it started; null before the first.</param>
/// <param name="Finished">When it completed or failed; null while it runs.</param>
/// <param name="Error">Why it failed, or null.</param>
[GenerateSerializer, Immutable]
public sealed record CompactionState(
    [property: Id(0)] long CollectionId,
    [property: Id(1)] CompactionPhase Phase,
    [property: Id(2)] int Planned,
    [property: Id(3)] int Done,
    [property: Id(4)] int SegmentsBefore,
    [property: Id(5)] int SegmentsAfter,
    [property: Id(6)] long BytesRead,
    [property: Id(7)] long BytesWritten,
    [property: Id(8)] long RowsRemoved,
    [property: Id(9)] DateTimeOffset? Started,
    [property: Id(10)] DateTimeOffset? Finished,
    [property: Id(11)] string? Error);
