using Milvus.Orleans.Data;
using Milvus.Orleans.Query;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Grains;

/// <summary>
/// A holder of sealed segments (key: 0..<c>Milvus:Query:Nodes</c> − 1), spread over the silos: loads them from
/// history with their HNSW index, searches and queries them for the shards' delegators. Not for clients.
/// </summary>
public interface IQueryNodeGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Loads sealed segments of <paramref name="vchannel"/> from history; they are searched exactly until their HNSW
    /// graphs, read from history or built (and stored) in the background, are ready.
    /// </summary>
    Task LoadAsync(string vchannel, CollectionSchema schema, IReadOnlyList<SegmentRef> segments);

    /// <summary>Completes when every segment of <paramref name="vchannel"/> this node holds has its graphs (a large one takes minutes).</summary>
    [ResponseTimeout("00:15:00")]
    Task WaitIndexedAsync(string vchannel);

    /// <summary>How far the segments of <paramref name="vchannel"/> this node holds or loads are indexed.</summary>
    Task<IndexProgress> GetIndexProgressAsync(string vchannel);

    /// <summary>Drops segments of <paramref name="vchannel"/>: those listed, or all of the vchannel when null.</summary>
    Task ReleaseAsync(string vchannel, IReadOnlyList<long>? segmentIds);

    /// <summary>Searches the listed segments; fails with <see cref="ErrorCode.SegmentNotLoaded"/> naming any it does not hold.</summary>
    Task<IReadOnlyList<SearchHits>> SearchAsync(NodeSearch request);

    /// <summary>Queries the listed segments; fails with <see cref="ErrorCode.SegmentNotLoaded"/> naming any it does not hold.</summary>
    Task<QueryResult> QueryAsync(NodeQuery request);
}

/// <summary>How far sealed segments are indexed, as Milvus' index description counts it (growing data is not).</summary>
/// <param name="Rows">Rows of the sealed segments loaded.</param>
/// <param name="IndexedRows">Rows of those searched as their fields' indexes say: graphs ready, or none needed (FLAT, or a segment too small for one).</param>
/// <param name="Pending">Sealed segments not loaded yet, their rows not counted.</param>
/// <param name="Failure">Why a segment's graphs could not be built (it is searched exactly), or null.</param>
[GenerateSerializer, Immutable]
public sealed record IndexProgress(
    [property: Id(0)] long Rows,
    [property: Id(1)] long IndexedRows,
    [property: Id(2)] int Pending,
    [property: Id(3)] string? Failure)
{
    /// <summary>Nothing sealed.</summary>
    public static IndexProgress None { get; } = new(0, 0, 0, null);

    /// <summary>Whether every sealed segment is loaded and indexed.</summary>
    public bool IsFinished => Pending == 0 && IndexedRows == Rows;

    /// <summary>The sum of two shards' or nodes' progress.</summary>
    public IndexProgress Add(IndexProgress other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Rows + other.Rows, IndexedRows + other.IndexedRows, Pending + other.Pending, Failure ?? other.Failure);
    }
}

/// <summary>A sealed segment of a shard in history.</summary>
[GenerateSerializer, Immutable]
public sealed record SegmentRef(
    [property: Id(0)] long PartitionId,
    [property: Id(1)] long SegmentId);

/// <summary>
/// The deletes of a shard a query node may not have seen yet: delegator <paramref name="Source"/>'s log from position
/// <paramref name="From"/> on. A node holding fewer than <paramref name="From"/> of that log fails the request with
/// <see cref="ErrorCode.SegmentNotLoaded"/>, and the delegator sends it all again.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ShardDeletes(
    [property: Id(0)] string Source,
    [property: Id(1)] int From,
    [property: Id(2)] PrimaryKeys Keys,
    [property: Id(3)] long[] Timestamps);

/// <summary>A search of some segments of a shard, at <paramref name="ReadTs"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record NodeSearch(
    [property: Id(0)] string VChannel,
    [property: Id(1)] IReadOnlyList<long> SegmentIds,
    [property: Id(2)] SearchRequest Request,
    [property: Id(3)] long ReadTs,
    [property: Id(4)] ShardDeletes Deletes);

/// <summary>A query of some segments of a shard, at <paramref name="ReadTs"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record NodeQuery(
    [property: Id(0)] string VChannel,
    [property: Id(1)] IReadOnlyList<long> SegmentIds,
    [property: Id(2)] QueryRequest Request,
    [property: Id(3)] long ReadTs,
    [property: Id(4)] ShardDeletes Deletes);
