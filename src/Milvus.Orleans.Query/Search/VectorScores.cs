using System.Numerics.Tensors;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Query.Search;

/// <summary>Milvus' score of a row for a query vector under each metric (SIMD through <see cref="TensorPrimitives"/>).</summary>
internal static class VectorScores
{
    /// <summary>L2: squared distance; IP: inner product; COSINE: cosine similarity.</summary>
    public static float Score(MetricType metric, ReadOnlySpan<float> row, ReadOnlySpan<float> query) => metric switch
    {
        MetricType.IP => TensorPrimitives.Dot(row, query),
        MetricType.Cosine => TensorPrimitives.CosineSimilarity(row, query),
        _ => Squared(TensorPrimitives.Distance(row, query)),
    };

    private static float Squared(float distance) => distance * distance;
}
