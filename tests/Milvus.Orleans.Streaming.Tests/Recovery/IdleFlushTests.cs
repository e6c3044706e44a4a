using Milvus.Orleans.Streaming.Tests.Collections;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Streaming.Tests.Recovery;

/// <summary>An idle collection's growing data reaches history on its own, after <c>Milvus:Segment:FlushIntervalSeconds</c>.</summary>
public sealed class IdleFlushTests() : ClusterTests(1, new Dictionary<string, string?> { ["Milvus:Segment:FlushIntervalSeconds"] = "1" })
{
    [Fact]
    public async Task InsertAsync_WhenTheCollectionThenStaysIdle_ReachesHistoryWithoutAFlush()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("quiet", shards: 1), ct);

        await client.InsertAsync("quiet", TestRows.Rows(0, 50), cancellationToken: ct);

        // The segment is sealed at the first time tick a second after the insert; the wait only bounds a broken seal.
        var state = await Poll.UntilAsync(
            async () => Assert.Single(await client.GetFlushStateAsync("quiet", ct)), s => s.IsFlushed, TimeSpan.FromSeconds(30), ct);

        var history = await HistoryContents.ReadAsync(TestCluster.History, info, ct);
        Assert.True(state.IsFlushed, $"{state} is not flushed 30 s after the insert");
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), history.Rows.Select(r => r.Key).Order());
    }
}
