using System.Buffers;
using Milvus.Orleans.Hnsw;
using Milvus.Orleans.Query.Segments;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Query.Search;

/// <summary>A row of a block found by a search, with its score.</summary>
internal readonly record struct Hit(RowBlock Block, int Row, float Score);

/// <summary>One query vector of a search: the field it searches, its metric, top-k and HNSW breadth.</summary>
internal sealed record VectorQuery(string Field, float[] Vector, MetricType Metric, int TopK, int Ef);

/// <summary>Searches one block of rows for one query vector: every row exactly, or through the block's HNSW graph.</summary>
internal static class BlockSearch
{
    /// <summary>Offers the block's best visible rows for <paramref name="query"/> to <paramref name="top"/>.</summary>
    public static void Search(RowBlock block, HnswReader? graph, VectorQuery query, Func<int, bool> visible, TopK<Hit> top)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(top);
        if (graph is null || !TryGraph(block, graph, query, visible, top))
        {
            Exact(block, query, visible, top);
        }
    }

    /// <summary>Scores every row: the reference every other path is measured against.</summary>
    public static void Exact(RowBlock block, VectorQuery query, Func<int, bool> visible, TopK<Hit> top)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(visible);
        ArgumentNullException.ThrowIfNull(top);
        var vectors = block.Vectors(query.Field);
        var dimension = query.Vector.Length;
        for (var row = 0; row < block.Count; row++)
        {
            var score = VectorScores.Score(query.Metric, vectors.AsSpan(row * dimension, dimension), query.Vector);
            var rank = ReadMerge.Rank(query.Metric, score);
            // Visibility (deletes, filter) costs more than the score: checked only for rows good enough to keep.
            if (top.Admits(rank) && visible(row))
            {
                top.Offer(new Hit(block, row, score), rank);
            }
        }
    }

    /// <summary>
    /// Walks the graph for k visible rows, widening fourfold while deletes or the filter hide too many; false when the
    /// walk would cover half the block, where scoring every row is cheaper.
    /// </summary>
    private static bool TryGraph(RowBlock block, HnswReader graph, VectorQuery query, Func<int, bool> visible, TopK<Hit> top)
    {
        var vectors = block.Vectors(query.Field);
        var dimension = query.Vector.Length;
        var found = new List<(int Row, float Score)>(query.TopK);
        for (var count = Math.Max(query.TopK, query.Ef); count < block.Count / 2 || count == Math.Max(query.TopK, query.Ef); count *= 4)
        {
            found.Clear();
            var rented = ArrayPool<ulong>.Shared.Rent(count);
            var nearest = rented.AsSpan(0, graph.Nearest(query.Vector, rented.AsSpan(0, count)));
            foreach (var key in nearest)
            {
                var row = (int)key;
                if (visible(row))
                {
                    // Scored like the exact path, so hits of graph and exact blocks merge on one scale.
                    found.Add((row, VectorScores.Score(query.Metric, vectors.AsSpan(row * dimension, dimension), query.Vector)));
                    if (found.Count == query.TopK)
                    {
                        break;
                    }
                }
            }

            var exhausted = nearest.Length < count;
            ArrayPool<ulong>.Shared.Return(rented);
            if (found.Count == query.TopK || exhausted)
            {
                foreach (var (row, score) in found)
                {
                    top.Offer(new Hit(block, row, score), ReadMerge.Rank(query.Metric, score));
                }

                return true;
            }
        }

        return false;
    }
}
