using System.Numerics;
using System.Numerics.Tensors;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Query.Search;

/// <summary>Milvus' score of a row for a query vector under each metric (SIMD through <see cref="TensorPrimitives"/> and <see cref="Vector{T}"/>).</summary>
internal static class VectorScores
{
    /// <summary>L2: squared distance; IP: inner product; COSINE: cosine similarity.</summary>
    public static float Score(MetricType metric, ReadOnlySpan<float> row, ReadOnlySpan<float> query) => metric switch
    {
        MetricType.IP => TensorPrimitives.Dot(row, query),
        MetricType.Cosine => TensorPrimitives.CosineSimilarity(row, query),
        _ => SquaredDistance(row, query),
    };

    /// <summary>The sum of squared differences, summed as such: squaring a Euclidean distance would round through its square root.</summary>
    private static float SquaredDistance(ReadOnlySpan<float> row, ReadOnlySpan<float> query)
    {
        var sums = Vector<float>.Zero;
        var i = 0;
        for (; i <= row.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var difference = new Vector<float>(row[i..]) - new Vector<float>(query[i..]);
            sums += difference * difference;
        }

        var sum = Vector.Sum(sums);
        for (; i < row.Length; i++)
        {
            var difference = row[i] - query[i];
            sum += difference * difference;
        }

        return sum;
    }
}
