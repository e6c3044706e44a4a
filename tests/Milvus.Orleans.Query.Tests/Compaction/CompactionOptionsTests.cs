using Milvus.Orleans.Query.Compaction;

namespace Milvus.Orleans.Query.Tests.Compaction;

public sealed class CompactionOptionsTests
{
    [Theory]
    [InlineData(-1, 20, "Milvus:Compaction:IntervalMinutes = -1 is out of range: allowed 0..10080 minutes.")]
    [InlineData(10, 0, "Milvus:Compaction:RemovablePercent = 0 is out of range: allowed 1..100 %.")]
    [InlineData(10, 101, "Milvus:Compaction:RemovablePercent = 101 is out of range: allowed 1..100 %.")]
    public void Validate_WhenValueOutOfRange_FailsNamingKeyAndRange(int interval, int percent, string expected)
    {
        var result = new CompactionOptionsValidator().Validate(null, new CompactionOptions { IntervalMinutes = interval, RemovablePercent = percent });

        Assert.Equal([expected], result.Failures);
    }

    [Fact]
    public void Validate_WithTheDefaults_Succeeds() => Assert.True(new CompactionOptionsValidator().Validate(null, new CompactionOptions()).Succeeded);
}
