using Milvus.Orleans.Expressions;
using Milvus.Orleans.Hnsw;
using Milvus.Orleans.Query.Filters;
using Milvus.Orleans.Query.Segments;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Query.Search;

/// <summary>A block of rows a read covers, with a reader of its HNSW graph when it has one.</summary>
internal readonly record struct SearchedBlock(RowBlock Block, HnswReader? Graph);

/// <summary>Searches and queries over blocks of one shard at a read timestamp, the same on a delegator (growing data) and a query node (sealed).</summary>
internal static class BlockReads
{
    /// <summary>Checks a search against the schema; returns the searched vector field and the parsed filter.</summary>
    public static (FieldSchema Field, FilterNode? Filter) Check(SearchRequest request, CollectionSchema schema)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(schema);
        var field = schema.Field(request.VectorField)
            ?? throw new MilvusException(ErrorCode.FieldMismatch, $"Collection '{schema.Name}' has no field '{request.VectorField}' to search.");
        if (field.Type != DataType.FloatVector)
        {
            throw new MilvusException(ErrorCode.FieldMismatch, $"Collection '{schema.Name}': field '{field.Name}' is {field.Type}, not a vector; search a FloatVector field.");
        }

        if (request.Vectors is not { Length: > 0 } vectors || vectors.Length % field.Dimension != 0)
        {
            throw new MilvusException(ErrorCode.DimensionMismatch, $"Collection '{schema.Name}': search vectors of field '{field.Name}' have {field.Dimension} values each; {request.Vectors?.Length ?? 0} values is not a whole number of them (at least one).");
        }

        SearchRequest.CheckCounts(vectors.Length / field.Dimension, request.TopK, request.OutputFields?.Count ?? 0);
        if (request.Ef is < 0 or > SearchRequest.MaxTopK)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"ef is {request.Ef}: allowed 0 (the default) ..{SearchRequest.MaxTopK}.");
        }

        for (var i = 0; i < vectors.Length; i++)
        {
            if (!float.IsFinite(vectors[i]))
            {
                throw new MilvusException(ErrorCode.InvalidVector, $"Search vector {i / field.Dimension} holds {vectors[i]}: vectors must be finite.");
            }
        }

        _ = HitRows.Fields(schema, request.OutputFields);
        return (field, Filter(request.Filter, schema));
    }

    /// <summary>Checks a query against the schema; returns the parsed filter.</summary>
    public static FilterNode? Check(QueryRequest request, CollectionSchema schema)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(schema);
        if (request.Limit is < 0 or > QueryRequest.MaxRows)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"offset + limit is {request.Limit}: allowed 0..{QueryRequest.MaxRows}.");
        }

        if (request.Keys is { } keys)
        {
            keys.Validate(schema);
            if (keys.Count > QueryRequest.MaxRows)
            {
                throw new MilvusException(ErrorCode.InvalidArgument, $"Get at most {QueryRequest.MaxRows} keys per call, not {keys.Count}.");
            }
        }

        QueryRequest.CheckOutputFields(request.OutputFields?.Count ?? 0);
        _ = HitRows.Fields(schema, request.OutputFields);
        return Filter(request.Filter, schema);
    }

    /// <summary>Each query vector's top-k over <paramref name="blocks"/>, best first.</summary>
    public static IReadOnlyList<SearchHits> Search(
        IReadOnlyList<SearchedBlock> blocks, SearchRequest request, CollectionSchema schema, DeleteLog deletes, long readTs, int defaultEf)
    {
        var (field, filter) = Check(request, schema);
        var fields = HitRows.Fields(schema, request.OutputFields);
        var visible = blocks.Select(b => b.Block.Visible(deletes, readTs, filter is null ? null : FilterCompiler.Bind(filter, schema, b.Block.Rows))).ToArray();
        var results = new SearchHits[request.Vectors.Length / field.Dimension];
        for (var q = 0; q < results.Length; q++)
        {
            var query = new VectorQuery(field.Name, request.Vectors.AsSpan(q * field.Dimension, field.Dimension).ToArray(), field.Metric, request.TopK, request.Ef > 0 ? request.Ef : defaultEf);
            var top = new TopK<Hit>(request.TopK);
            for (var b = 0; b < blocks.Count; b++)
            {
                BlockSearch.Search(blocks[b].Block, request.Exact ? null : blocks[b].Graph, query, visible[b], top);
            }

            results[q] = HitRows.Of([.. top.Sorted().Select(h => h.Item)], fields);
        }

        return results;
    }

    /// <summary>The rows of <paramref name="blocks"/> matching the query, in primary key order up to its limit, and how many match.</summary>
    public static QueryResult Query(IReadOnlyList<RowBlock> blocks, QueryRequest request, CollectionSchema schema, DeleteLog deletes, long readTs)
    {
        var filter = Check(request, schema);
        var keys = request.Keys is null ? null : KeySet.Of(request.Keys);
        var matches = new List<(RowBlock Block, int Row)>();
        foreach (var block in blocks)
        {
            var visible = block.Visible(deletes, readTs, Both(keys?.Matches(block.Keys), filter is null ? null : FilterCompiler.Bind(filter, schema, block.Rows)));
            for (var row = 0; row < block.Count; row++)
            {
                if (visible(row))
                {
                    matches.Add((block, row));
                }
            }
        }

        var fields = HitRows.Fields(schema, request.OutputFields);
        if (request.CountOnly)
        {
            return new QueryResult(HitRows.Empty(fields), matches.Count);
        }

        matches.Sort((a, b) => ReadMerge.CompareKeys(a.Block.Keys, a.Row, b.Block.Keys, b.Row));
        return new QueryResult(HitRows.Rows(matches.Take(request.Limit).Select(m => (m.Block.Rows, m.Row)), fields), matches.Count);
    }

    private static Func<int, bool>? Both(Func<int, bool>? first, Func<int, bool>? second) =>
        first is null ? second : second is null ? first : row => first(row) && second(row);

    private static FilterNode? Filter(string? filter, CollectionSchema schema)
    {
        if (string.IsNullOrWhiteSpace(filter))
        {
            return null;
        }

        var node = FilterParser.Parse(filter);
        FilterCompiler.Check(node, schema);
        return node;
    }
}
