using Milvus.Orleans.Query;

namespace Milvus.Orleans.Grains;

/// <summary>
/// The read side of one shard (key: <see cref="Channels.ChannelNames.Delegator"/>): waits until the shard has applied
/// what the request's consistency needs, searches the shard's growing data itself, fans out to the query nodes holding
/// its sealed segments, applies deletes at the read's timestamp and merges. Replica 0 runs on the pchannel's silo;
/// replica r, r silos after it, reads the log from storage itself, so reads go on while one silo is gone.
/// </summary>
[ClientFacing]
public interface IQueryDelegatorGrain : IGrainWithStringKey
{
    /// <summary>Starts serving the shard: returns once its sealed segments are on query nodes with their HNSW graphs (built if missing).</summary>
    [ResponseTimeout("00:15:00")]
    Task LoadAsync();

    /// <summary>The shard's top-k hits of each query vector, best first.</summary>
    Task<IReadOnlyList<SearchHits>> SearchAsync(SearchRequest request);

    /// <summary>The shard's rows matching a filter (primary key order, at most the limit), and how many match.</summary>
    Task<QueryResult> QueryAsync(QueryRequest request);

    /// <summary>What the shard holds for reads now: growing data, sealed segments and where they are, deletes.</summary>
    Task<ShardStatus> GetStatusAsync();

    /// <summary>How far the shard's sealed segments are indexed: those on query nodes, and those on their way there.</summary>
    Task<IndexProgress> GetIndexProgressAsync();

    /// <summary>Stops serving the shard: releases its segments on the query nodes (the collection was released or dropped).</summary>
    Task ReleaseAsync();
}

/// <summary>What a shard's delegator serves.</summary>
/// <param name="Applied">The shard's log is applied up to this timestamp (reads see everything up to it).</param>
/// <param name="GrowingSegments">Growing segments, read in memory.</param>
/// <param name="GrowingRows">Rows in them.</param>
/// <param name="SealedInMemory">Sealed segments still read from memory, on their way to a query node.</param>
/// <param name="SegmentsByNode">Sealed segments on each query node.</param>
/// <param name="Deletes">Deletes of the shard known to the delegator.</param>
/// <param name="Silo">The silo the delegator runs on.</param>
/// <param name="FollowsLog">Whether it reads the log from storage itself (a replica on a silo that does not own the
/// pchannel), rather than the pchannel's recovery on its silo.</param>
[GenerateSerializer, Immutable]
public sealed record ShardStatus(
    [property: Id(0)] HybridTimestamp Applied,
    [property: Id(1)] int GrowingSegments,
    [property: Id(2)] long GrowingRows,
    [property: Id(3)] int SealedInMemory,
    [property: Id(4)] IReadOnlyDictionary<long, int> SegmentsByNode,
    [property: Id(5)] int Deletes,
    [property: Id(6)] string Silo = "",
    [property: Id(7)] bool FollowsLog = false);
