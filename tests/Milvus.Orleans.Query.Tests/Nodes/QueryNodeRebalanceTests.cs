using Milvus.Orleans.Query.Tests.Search;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Query.Tests.Nodes;

/// <summary>A silo joins while clients search: it takes its share of the query nodes, and every search matches the oracle.</summary>
public sealed class QueryNodeRebalanceTests : IAsyncLifetime
{
    private const int Dimension = 8;
    private InProcessMilvusCluster _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await InProcessMilvusCluster.StartAsync(
        1, new Dictionary<string, string?> { ["Milvus:Streaming:PChannels"] = "4", ["Milvus:Query:IndexMinRows"] = "100000000", ["Milvus:Query:Nodes"] = "2" });

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task SearchAsync_WhileASiloJoins_KeepsTheOracleHitsAndTheNewSiloTakesOneOfTwoNodes()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        var random = new Random(13);
        // Two flushes: two sealed segments per shard, which each delegator spreads over the two query nodes.
        var live = await OracleSearchLoop.WriteFlushedPartsAsync(client, "joining", Dimension, shards: 2, parts: 2, random, ct);
        await client.LoadCollectionAsync("joining", ct);
        var first = _cluster.Cluster.Silos[0].SiloAddress;
        var before = await NodeSilosAsync();
        var loop = OracleSearchLoop.Start(_cluster, "joining", live, Dimension, random);

        var joined = (await _cluster.Cluster.StartAdditionalSiloAsync()).SiloAddress;
        var after = await Poll.UntilAsync(NodeSilosAsync, nodes => nodes.GetValueOrDefault(1) == joined, TimeSpan.FromSeconds(60), ct);

        await loop.StopAsync();

        Assert.Equal(new Dictionary<long, SiloAddress> { [0] = first, [1] = first }, before);
        Assert.Equal(new Dictionary<long, SiloAddress> { [0] = first, [1] = joined }, after);
        Assert.Empty(loop.Mismatches);
        Assert.Equal(loop.Expected, await loop.SearchAllAsync(client, "joining", ct));
    }

    /// <summary>Where each active query node is.</summary>
    private async Task<Dictionary<long, SiloAddress>> NodeSilosAsync() =>
        (await _cluster.SiloGrains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics())
            .Where(s => s.GrainType.Contains("QueryNodeGrain", StringComparison.Ordinal))
            .ToDictionary(s => s.GrainId.GetIntegerKey(), s => s.SiloAddress);
}
