using System.Collections.Concurrent;
using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Query.Tests.Search;
using Milvus.Orleans.Schema;
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
        await client.CreateCollectionAsync(
            new CollectionSchema("joining", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], ShardCount: 2), ct);
        var random = new Random(13);
        var live = new Dictionary<long, float[]>();
        // Two flushes: two sealed segments per shard, which each delegator spreads over the two query nodes.
        for (var part = 0; part < 2; part++)
        {
            var keys = Enumerable.Range(part * 400, 400).Select(i => (long)i).ToArray();
            var vectors = keys.Select(_ => Enumerable.Range(0, Dimension).Select(_ => random.NextSingle()).ToArray()).ToArray();
            await client.InsertAsync("joining", new RowBatch([FieldColumn.Int64("id", keys), FieldColumn.FloatVector("vec", Dimension, [.. vectors.SelectMany(v => v)])]), cancellationToken: ct);
            await client.FlushAsync("joining", ct);
            for (var i = 0; i < keys.Length; i++)
            {
                live[keys[i]] = vectors[i];
            }
        }

        await client.LoadCollectionAsync("joining", ct);
        var first = _cluster.Cluster.Silos[0].SiloAddress;
        var before = await NodeSilosAsync();
        var queries = Enumerable.Range(0, 20).Select(_ => Enumerable.Range(0, Dimension).Select(_ => random.NextSingle()).ToArray()).ToArray();
        var expected = queries.Select(q => SearchOracle.Nearest(live, q, MetricType.L2, 5).Select(e => e.Key).ToArray()).ToArray();
        var mismatches = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var loop = Task.Run(
            async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var q = i % queries.Length;
                    var hits = await client.SearchAsync("joining", [queries[q]], 5, cancellationToken: CancellationToken.None);
                    var keys = (long[])hits[0].Rows.Column("id")!.Values;
                    if (!keys.SequenceEqual(expected[q]))
                    {
                        mismatches.Add($"query {q}: [{string.Join(", ", keys)}], expected [{string.Join(", ", expected[q])}]");
                    }
                }
            },
            CancellationToken.None);

        var joined = (await _cluster.Cluster.StartAdditionalSiloAsync()).SiloAddress;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var after = await NodeSilosAsync();
        while (after.GetValueOrDefault(1) != joined && DateTime.UtcNow < deadline && !loop.IsCompleted)
        {
            await Task.Delay(200, ct);
            after = await NodeSilosAsync();
        }

        await stop.CancelAsync();
        await loop;

        Assert.Equal(new Dictionary<long, SiloAddress> { [0] = first, [1] = first }, before);
        Assert.Equal(new Dictionary<long, SiloAddress> { [0] = first, [1] = joined }, after);
        Assert.Empty(mismatches);
        var final = await client.SearchAsync("joining", queries, 5, new SearchParameters(Consistency: Query.ConsistencyLevel.Strong), ct);
        Assert.Equal(expected, final.Select(h => (long[])h.Rows.Column("id")!.Values));
    }

    /// <summary>Where each active query node is.</summary>
    private async Task<Dictionary<long, SiloAddress>> NodeSilosAsync() =>
        (await _cluster.SiloGrains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics())
            .Where(s => s.GrainType.Contains("QueryNodeGrain", StringComparison.Ordinal))
            .ToDictionary(s => s.GrainId.GetIntegerKey(), s => s.SiloAddress);
}
