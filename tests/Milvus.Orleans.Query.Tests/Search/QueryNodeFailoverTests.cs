using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Query.Tests.Search;

/// <summary>
/// A silo holding a query node dies while clients search: every answer matches the oracle, and the searches get their
/// pace back once the segments moved (within a bound).
/// </summary>
public sealed class QueryNodeFailoverTests : IAsyncLifetime
{
    private const int Dimension = 8;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(30);
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
        var loop = OracleSearchLoop.Start(_cluster, "failover", live, Dimension, random);

        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        var beforeKill = loop.Searches;
        await _cluster.Cluster.KillSiloAsync(_cluster.Cluster.Silos[1], ct);
        // The segments move (the kill detected, the delegators sending them to the nodes left); then searches per 2 s
        // until one window has its pace back: how long the move takes depends on the machine's load, so it is bounded.
        await Task.Delay(TimeSpan.FromSeconds(8), ct);
        var windows = new List<int>();
        for (var elapsed = TimeSpan.Zero; elapsed < RecoveryBound && (windows.Count == 0 || windows[^1] <= 10); elapsed += Window)
        {
            var start = loop.Searches;
            await Task.Delay(Window, ct);
            windows.Add(loop.Searches - start);
        }

        await loop.StopAsync();
        TestContext.Current.TestOutputHelper?.WriteLine($"searches before the kill (2 s): {beforeKill}; per 2 s from 8 s after it: {string.Join(", ", windows)}");

        Assert.Empty(loop.Mismatches);
        Assert.True(beforeKill > 10, $"{beforeKill} searches before the kill");
        Assert.True(windows[^1] > 10, $"searches per 2 s from 8 s after the kill: {string.Join(", ", windows)}; never more than 10 within {RecoveryBound.TotalSeconds} s more");
        Assert.Equal(loop.Expected, await loop.SearchAllAsync(client, "failover", ct));
    }
}
