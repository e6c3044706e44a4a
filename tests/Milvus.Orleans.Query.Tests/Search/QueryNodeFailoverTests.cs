using System.Collections.Concurrent;
using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;
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
        await client.CreateCollectionAsync(
            new CollectionSchema("failover", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], ShardCount: 2), ct);
        var random = new Random(11);
        var live = new Dictionary<long, float[]>();
        // Three flushes: three sealed segments per shard, which each delegator spreads over the three query nodes.
        for (var part = 0; part < 3; part++)
        {
            var keys = Enumerable.Range(part * 400, 400).Select(i => (long)i).ToArray();
            var vectors = keys.Select(_ => Enumerable.Range(0, Dimension).Select(_ => random.NextSingle()).ToArray()).ToArray();
            await client.InsertAsync("failover", new RowBatch([FieldColumn.Int64("id", keys), FieldColumn.FloatVector("vec", Dimension, [.. vectors.SelectMany(v => v)])]), cancellationToken: ct);
            await client.FlushAsync("failover", ct);
            for (var i = 0; i < keys.Length; i++)
            {
                live[keys[i]] = vectors[i];
            }
        }

        await client.LoadCollectionAsync("failover", ct);
        var queries = Enumerable.Range(0, 20).Select(_ => Enumerable.Range(0, Dimension).Select(_ => random.NextSingle()).ToArray()).ToArray();
        var expected = queries.Select(q => SearchOracle.Nearest(live, q, MetricType.L2, 5).Select(e => e.Key).ToArray()).ToArray();
        var mismatches = new ConcurrentBag<string>();
        var searches = 0;
        using var stop = new CancellationTokenSource();
        var loop = Task.Run(
            async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var q = i % queries.Length;
                    var hits = await client.SearchAsync("failover", [queries[q]], 5, cancellationToken: CancellationToken.None);
                    var keys = (long[])hits[0].Rows.Column("id")!.Values;
                    if (!keys.SequenceEqual(expected[q]))
                    {
                        mismatches.Add($"query {q}: [{string.Join(", ", keys)}], expected [{string.Join(", ", expected[q])}]");
                    }

                    Interlocked.Increment(ref searches);
                }
            },
            CancellationToken.None);

        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        var beforeKill = Volatile.Read(ref searches);
        await _cluster.Cluster.KillSiloAsync(_cluster.Cluster.Silos[1], ct);
        await Task.Delay(TimeSpan.FromSeconds(8), ct);
        var afterKill = Volatile.Read(ref searches);
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        await stop.CancelAsync();
        await loop;

        Assert.Empty(mismatches);
        Assert.True(beforeKill > 10, $"{beforeKill} searches before the kill");
        Assert.True(searches - afterKill > 10, $"{searches - afterKill} searches in the last 2 s, after the segments moved");
        var final = await client.SearchAsync("failover", queries, 5, new SearchParameters(Consistency: Query.ConsistencyLevel.Strong), ct);
        Assert.Equal(expected, final.Select(h => (long[])h.Rows.Column("id")!.Values));
    }
}
