using Milvus.Orleans.Query;

namespace Milvus.Orleans.Grains;

/// <summary>
/// The read side of one shard (key: <see cref="Channels.ChannelNames.Delegator"/>), on its pchannel's silo: waits
/// until the shard has applied what the request's consistency needs, searches the shard's growing data itself, fans
/// out to the query nodes holding its sealed segments, applies deletes at the read's timestamp and merges. Replicas
/// (other keys of the same vchannel) share the load.
/// </summary>
public interface IQueryDelegatorGrain : IGrainWithStringKey
{
    /// <summary>Starts serving the shard: its sealed segments loaded on query nodes (graphs built if missing).</summary>
    Task LoadAsync();

    /// <summary>The shard's top-k hits of each query vector, best first.</summary>
    Task<IReadOnlyList<SearchHits>> SearchAsync(SearchRequest request);

    /// <summary>The shard's rows matching a filter (primary key order, at most the limit), and how many match.</summary>
    Task<QueryResult> QueryAsync(QueryRequest request);

    /// <summary>Stops serving the shard: releases its segments on the query nodes (the collection was released or dropped).</summary>
    Task ReleaseAsync();
}
