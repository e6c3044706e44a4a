using Milvus.Orleans.Data;

namespace Milvus.Orleans.Query;

/// <summary>A vector search of one collection, as a shard's delegator receives it.</summary>
/// <param name="CollectionId">The collection.</param>
/// <param name="VectorField">The vector field searched.</param>
/// <param name="Vectors">The query vectors, one after another (queries × dimension).</param>
/// <param name="TopK">Hits per query, 1..<see cref="MaxTopK"/>.</param>
/// <param name="Filter">A filter expression rows must match, or null for all rows.</param>
/// <param name="OutputFields">Fields returned with each hit besides the primary key.</param>
/// <param name="GuaranteeTs">The shard has applied every write up to it before searching (see <see cref="ConsistencyLevel"/>).</param>
/// <param name="Ef">HNSW breadth of search (larger: better recall, slower); 0 for the service's default.</param>
/// <param name="Exact">Score every row (brute force) instead of walking HNSW graphs: exact results, slower.</param>
[GenerateSerializer, Immutable]
public sealed record SearchRequest(
    [property: Id(0)] long CollectionId,
    [property: Id(1)] string VectorField,
    [property: Id(2)] float[] Vectors,
    [property: Id(3)] int TopK,
    [property: Id(4)] string? Filter,
    [property: Id(5)] IReadOnlyList<string> OutputFields,
    [property: Id(6)] HybridTimestamp GuaranteeTs,
    [property: Id(7)] int Ef = 0,
    [property: Id(8)] bool Exact = false)
{
    /// <summary>The largest top-k, as Milvus allows.</summary>
    public const int MaxTopK = 16_384;
}

/// <summary>One query vector's hits, best first.</summary>
/// <param name="Rows">The primary key and the requested output fields of each hit.</param>
/// <param name="Scores">Each hit's score: L2 distance (squared), inner product or cosine similarity.</param>
[GenerateSerializer, Immutable]
public sealed record SearchHits(
    [property: Id(0)] RowBatch Rows,
    [property: Id(1)] float[] Scores);

/// <summary>A scalar query: rows matching a filter, or their count.</summary>
/// <param name="CollectionId">The collection.</param>
/// <param name="Filter">A filter expression rows must match, or null for all rows.</param>
/// <param name="OutputFields">Fields returned besides the primary key.</param>
/// <param name="Limit">The most rows returned, in primary key order (the client asks for offset + limit).</param>
/// <param name="GuaranteeTs">The shard has applied every write up to it before reading.</param>
/// <param name="CountOnly">Return only how many rows match.</param>
[GenerateSerializer, Immutable]
public sealed record QueryRequest(
    [property: Id(0)] long CollectionId,
    [property: Id(1)] string? Filter,
    [property: Id(2)] IReadOnlyList<string> OutputFields,
    [property: Id(3)] int Limit,
    [property: Id(4)] HybridTimestamp GuaranteeTs,
    [property: Id(5)] bool CountOnly = false)
{
    /// <summary>The most rows one query returns (offset + limit), as Milvus allows.</summary>
    public const int MaxRows = 16_384;
}

/// <summary>What a query found: the rows (primary key order), and how many matched in all.</summary>
[GenerateSerializer, Immutable]
public sealed record QueryResult(
    [property: Id(0)] RowBatch Rows,
    [property: Id(1)] long Count);
