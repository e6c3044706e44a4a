using Milvus.Orleans.Query.Search;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Query.Tests.Search;

public sealed class VectorScoresTests
{
    [Theory]
    [InlineData(new float[] { 9, 9 }, new float[] { 0, 0 }, 162f)]
    [InlineData(new float[] { 1, 2, 3 }, new float[] { 4, 6, 8 }, 50f)]
    [InlineData(new float[] { 0.5f, -2, 1, 1, 1, 1, 1, 1, 1, 3 }, new float[] { 0.5f, 0, 1, 1, 1, 1, 1, 1, 1, 0 }, 13f)]
    public void Score_WhenL2OverVectorsWhoseSquaredDistanceIsExactInFloats_IsExactlyThatSum(float[] row, float[] query, float expected)
    {
        Assert.Equal(expected, VectorScores.Score(MetricType.L2, row, query));
    }
}
