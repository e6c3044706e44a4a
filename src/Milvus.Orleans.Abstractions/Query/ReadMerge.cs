using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Query;

/// <summary>How results from several sources (blocks, query nodes, shards) become one: the same rules everywhere.</summary>
public static class ReadMerge
{
    /// <summary>A value that is larger the closer a hit: the score, or its negation for L2; NaN ranks last.</summary>
    public static float Rank(MetricType metric, float score) => float.IsNaN(score)
        ? float.NegativeInfinity
        : metric == MetricType.L2 ? -score : score;

    /// <summary>Primary key order: integers by value, text ordinally.</summary>
    public static int CompareKeys(Array left, int leftRow, Array right, int rightRow) => (left, right) switch
    {
        (long[] l, long[] r) => l[leftRow].CompareTo(r[rightRow]),
        (string[] l, string[] r) => string.CompareOrdinal(l[leftRow], r[rightRow]),
        _ => throw new ArgumentException("Primary keys of one collection have one type."),
    };

    /// <summary>One query vector's best <paramref name="topK"/> hits of all <paramref name="sources"/>, best first (ties: earlier source first).</summary>
    public static SearchHits Hits(IReadOnlyList<SearchHits> sources, MetricType metric, int topK)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.Count == 1)
        {
            return sources[0];
        }

        var best = sources
            .SelectMany((source, s) => source.Scores.Select((score, row) => (Source: s, Row: row, Score: score)))
            .OrderByDescending(h => Rank(metric, h.Score))
            .ThenBy(h => h.Source)
            .ThenBy(h => h.Row)
            .Take(topK)
            .ToArray();
        return best.Length == 0
            ? sources[0]
            : new SearchHits(RowBatch.Concat([.. best.Select(h => sources[h.Source].Rows.Select([h.Row]))]), [.. best.Select(h => h.Score)]);
    }

    /// <summary>The first <paramref name="limit"/> rows of all <paramref name="sources"/> (each sorted by primary key) in primary key order, and the total count.</summary>
    public static QueryResult Rows(IReadOnlyList<QueryResult> sources, string keyField, int limit)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var count = sources.Sum(s => s.Count);
        if (sources.Count == 1)
        {
            return sources[0];
        }

        var rows = sources
            .SelectMany(source => Enumerable.Range(0, source.Rows.RowCount).Select(row => (source.Rows, Row: row)))
            .ToList();
        rows.Sort((a, b) => CompareKeys(a.Rows.Column(keyField)!.Values, a.Row, b.Rows.Column(keyField)!.Values, b.Row));
        var kept = rows.Take(limit).Select(r => r.Rows.Select([r.Row])).ToArray();
        return new QueryResult(kept.Length == 0 ? sources[0].Rows.Slice(0, 0) : RowBatch.Concat(kept), count);
    }
}
