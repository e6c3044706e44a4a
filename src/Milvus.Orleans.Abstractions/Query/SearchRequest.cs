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
/// <param name="PartitionIds">Only rows of these partitions, or null for every partition.</param>
/// <param name="AsOf">Read the collection as it was at this timestamp (see <see cref="QueryRequest.CheckAsOf"/>); 0: as of the newest applied.</param>
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
    [property: Id(8)] bool Exact = false,
    [property: Id(9)] IReadOnlyList<long>? PartitionIds = null,
    [property: Id(10)] HybridTimestamp AsOf = default)
{
    /// <summary>The largest top-k, as Milvus allows.</summary>
    public const int MaxTopK = 16_384;

    /// <summary>The most query vectors one search takes (nq), as Milvus allows.</summary>
    public const int MaxQueries = 16_384;

    /// <summary>The most hits one search may return in all (nq × top-k): what a shard holds of the answer at once.</summary>
    public const int MaxHits = 1_048_576;

    /// <summary>
    /// Throws <see cref="ErrorCode.InvalidArgument"/> unless a search of <paramref name="queries"/> vectors for their
    /// <paramref name="topK"/> nearest, returning <paramref name="outputFields"/> fields, is within the limits.
    /// </summary>
    public static void CheckCounts(int queries, int topK, int outputFields)
    {
        if (queries is < 1 or > MaxQueries)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"A search has {queries} query vectors: allowed 1..{MaxQueries}.");
        }

        if (topK is < 1 or > MaxTopK)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"topK is {topK}: allowed 1..{MaxTopK}.");
        }

        if ((long)queries * topK > MaxHits)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"A search of {queries} vectors with topK {topK} asks for {(long)queries * topK} hits: at most {MaxHits} (nq × topK) per request.");
        }

        QueryRequest.CheckOutputFields(outputFields);
    }
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
/// <param name="Keys">Only rows with these primary keys (at most <see cref="MaxRows"/>), or null for any: a get by keys.</param>
/// <param name="PartitionIds">Only rows of these partitions, or null for every partition.</param>
/// <param name="AsOf">Read the collection as it was at this timestamp (see <see cref="CheckAsOf"/>); 0: as of the newest applied.</param>
[GenerateSerializer, Immutable]
public sealed record QueryRequest(
    [property: Id(0)] long CollectionId,
    [property: Id(1)] string? Filter,
    [property: Id(2)] IReadOnlyList<string> OutputFields,
    [property: Id(3)] int Limit,
    [property: Id(4)] HybridTimestamp GuaranteeTs,
    [property: Id(5)] bool CountOnly = false,
    [property: Id(6)] PrimaryKeys? Keys = null,
    [property: Id(7)] IReadOnlyList<long>? PartitionIds = null,
    [property: Id(8)] HybridTimestamp AsOf = default)
{
    /// <summary>The most rows one query returns (offset + limit), as Milvus allows.</summary>
    public const int MaxRows = 16_384;

    /// <summary>The most output fields a read names: a collection has no more fields than this.</summary>
    public const int MaxOutputFields = Schema.CollectionSchema.MaxFields;

    /// <summary>
    /// Throws <see cref="ErrorCode.InvalidArgument"/> unless a read as of <paramref name="asOf"/> (0: none) lies within
    /// the retention window: no older than <paramref name="retention"/> before <paramref name="now"/>, and not ahead of it.
    /// Within it, history still holds every row such a read sees.
    /// </summary>
    public static void CheckAsOf(HybridTimestamp asOf, DateTimeOffset now, TimeSpan retention)
    {
        if (asOf.Value == 0)
        {
            return;
        }

        var from = now - retention;
        var at = DateTimeOffset.FromUnixTimeMilliseconds(asOf.PhysicalMs);
        if (at < from)
        {
            throw new MilvusException(
                ErrorCode.InvalidArgument,
                $"Read as of {asOf} is older than the retention window: reads as of {from:O} or later (Milvus:History:RetentionHours = {retention.TotalHours:0}).");
        }

        if (at > now + AsOfClockSkew)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"Read as of {asOf} is in the future (now is {now:O}).");
        }
    }

    /// <summary>How far ahead of a silo's clock an as-of timestamp may be: clocks of hosts differ a little.</summary>
    private static readonly TimeSpan AsOfClockSkew = TimeSpan.FromSeconds(1);

    /// <summary>Throws <see cref="ErrorCode.InvalidArgument"/> if a read names more than <see cref="MaxOutputFields"/> output fields.</summary>
    public static void CheckOutputFields(int count)
    {
        if (count > MaxOutputFields)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"A read names {count} output fields: at most {MaxOutputFields}.");
        }
    }
}

/// <summary>What a query found: the rows (primary key order), and how many matched in all.</summary>
[GenerateSerializer, Immutable]
public sealed record QueryResult(
    [property: Id(0)] RowBatch Rows,
    [property: Id(1)] long Count);
