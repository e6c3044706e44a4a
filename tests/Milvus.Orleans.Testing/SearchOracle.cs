using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Testing;

/// <summary>Exact nearest neighbours by plain loops, written apart from the service's kernels.</summary>
public static class SearchOracle
{
    public static double Score(MetricType metric, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, aa = 0, bb = 0, l2 = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            aa += (double)a[i] * a[i];
            bb += (double)b[i] * b[i];
            l2 += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
        }

        return metric switch
        {
            MetricType.IP => dot,
            MetricType.Cosine => dot / Math.Sqrt(aa * bb),
            _ => l2,
        };
    }

    /// <summary>The keys of the <paramref name="k"/> rows nearest <paramref name="query"/>, best first (ties by key).</summary>
    public static (long Key, double Score)[] Nearest(IReadOnlyDictionary<long, float[]> rows, float[] query, MetricType metric, int k) =>
        [.. rows
            .Select(r => (r.Key, Score: Score(metric, r.Value, query)))
            .OrderBy(r => metric == MetricType.L2 ? r.Score : -r.Score)
            .ThenBy(r => r.Key)
            .Take(k)];
}
