using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Query.Tests.Search;

/// <summary>A silo holding a query node dies while clients search: searches go on (retried), and match after the segments move.</summary>
public sealed class QueryNodeFailoverTests : IAsyncLifetime
{
    private const int Dimension = 8;
    private InProcessMilvusCluster _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await InProcessMilvusCluster.StartAsync(
        3, new Dictionary<string, string?> { ["Milvus:Streaming:PChannels"] = "4", ["Milvus:Query:IndexMinRows"] = "100000000", ["Milvus:Query:Nodes"] = "3" });

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task SearchAsync_WhileTheSiloOfAQueryNodeIsKilled_KeepsSucceedingWithTheOracleHits()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        await _cluster.WaitForBalancedAsync(3, TimeSpan.FromSeconds(60), ct);
        var random = new Random(11);
        // Three flushes: three sealed segments per shard, which each delegator spreads over the three query nodes.
        var live = await OracleSearchLoop.WriteFlushedPartsAsync(client, "failover", Dimension, shards: 2, parts: 3, random, ct);
        await client.LoadCollectionAsync("failover", ct);
        var loop = OracleSearchLoop.Start(client, "failover", live, Dimension, random);

        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        var beforeKill = loop.Searches;
        await _cluster.Cluster.KillSiloAsync(_cluster.Cluster.Silos[1], ct);
        await Task.Delay(TimeSpan.FromSeconds(8), ct);
        var afterKill = loop.Searches;
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        await loop.StopAsync();

        Assert.Empty(loop.Mismatches);
        Assert.True(beforeKill > 10, $"{beforeKill} searches before the kill");
        Assert.True(loop.Searches - afterKill > 10, $"{loop.Searches - afterKill} searches in the last 2 s, after the segments moved");
        Assert.Equal(loop.Expected, await loop.SearchAllAsync(client, "failover", ct));
    }
}
