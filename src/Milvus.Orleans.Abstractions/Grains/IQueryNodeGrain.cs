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

    /// <summary>Drops segments of <paramref name="vchannel"/>: those listed, or all of the vchannel when null.</summary>
    Task ReleaseAsync(string vchannel, IReadOnlyList<long>? segmentIds);

    /// <summary>Searches the listed segments; fails with <see cref="ErrorCode.SegmentNotLoaded"/> naming any it does not hold.</summary>
    Task<IReadOnlyList<SearchHits>> SearchAsync(NodeSearch request);

    /// <summary>Queries the listed segments; fails with <see cref="ErrorCode.SegmentNotLoaded"/> naming any it does not hold.</summary>
    Task<QueryResult> QueryAsync(NodeQuery request);
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
