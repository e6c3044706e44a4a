using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Milvus.Orleans.Channels;
using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Query;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.EndToEnd.Tests;

/// <summary>
/// Three silo processes sharing no disk (the WAL in append blobs), a collection loaded with two replicas, and a
/// search loop at the SDK's defaults (Bounded) while the silo that owns the collection's pchannel is SIGKILLed.
/// </summary>
public sealed class ReadReplicaKillTests
{
    private const int Dimension = 8;
    private const int TopK = 5;

    [Fact]
    public async Task SearchAsync_WithTwoReplicasWhileTheOwnerSiloIsKilled_NeverFailsAndEqualsTheOracle()
    {
        using var scope = new TestScope(TimeSpan.FromMinutes(5), TestContext.Current.CancellationToken);
        var ct = scope.Token;
        using var garnet = new EmbeddedGarnet();
        await using var azurite = await AzuriteServer.StartAsync();
        var clusterId = $"replicas-{Guid.NewGuid():N}";
        var silos = Enumerable.Range(0, 3).Select(i =>
        {
            var environment = SiloProcess.Environment(garnet.ConnectionString, azurite.ConnectionString, clusterId, Path.Combine(scope.DataPath, $"silo-{i}"));
            environment["Milvus__Wal__Storage"] = "blob";
            return SiloProcess.Start(environment);
        }).ToList();
        try
        {
            var clientBuilder = Host.CreateApplicationBuilder();
            clientBuilder.AddMilvusClient(o => (o.RedisConnectionString, o.ClusterId) = (garnet.ConnectionString, clusterId));
            using var clientHost = clientBuilder.Build();
            await clientHost.StartAsync(ct);
            var client = new MilvusClient(clientHost.Services.GetRequiredService<IClusterClient>());
            var random = new Random(23);
            var live = new Dictionary<long, float[]>();
            await TransientRetry.RunAsync(
                () => client.CreateCollectionAsync(new CollectionSchema("replicated", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], 1), ct),
                TimeSpan.FromSeconds(120), TimeProvider.System, ct);
            // The pchannels spread over the three silos first: a replica placed while its pchannel still moves can land
            // on the owner's silo (replicas are not moved back).
            var balanced = await Poll.UntilAsync(
                () => client.GetTopologyAsync(ct),
                t => t.Channels.All(c => c.Silo is not null) && t.Channels.GroupBy(c => c.Silo).Select(g => g.Count()).ToArray() is { Length: 3 } loads && loads.Max() - loads.Min() <= 1,
                TimeSpan.FromSeconds(60),
                ct);
            Assert.Equal(3, balanced.Channels.Select(c => c.Silo).Distinct().Count());
            // Two flushed parts (sealed segments on query nodes) and one growing.
            for (var part = 0; part < 3; part++)
            {
                var keys = Enumerable.Range(part * 500, 500).Select(i => (long)i).ToArray();
                var vectors = keys.Select(_ => RandomVector(random)).ToArray();
                await client.InsertAsync("replicated", new RowBatch([FieldColumn.Int64("id", keys), FieldColumn.FloatVector("vec", Dimension, [.. vectors.SelectMany(v => v)])]), cancellationToken: ct);
                keys.Zip(vectors).ToList().ForEach(row => live[row.First] = row.Second);
                if (part < 2)
                {
                    await client.FlushAsync("replicated", ct);
                }
            }

            await client.LoadCollectionAsync("replicated", replicas: 2, ct);
            var first = (await client.GetShardStatusAsync("replicated", replica: 0, ct))[0];
            var second = (await client.GetShardStatusAsync("replicated", replica: 1, ct))[0];
            // Each replica has every row before the loop starts, so a Bounded read sees all of them.
            var strong = new SearchParameters(Consistency: ConsistencyLevel.Strong);
            for (var i = 0; i < 4; i++)
            {
                await client.SearchAsync("replicated", [RandomVector(random)], TopK, strong, ct);
            }

            var info = await client.DescribeCollectionAsync("replicated", ct);
            var owner = (await client.GetTopologyAsync(ct)).Binding(ChannelNames.PChannelOf(info.VChannels[0]))!.Silo!;
            var victim = silos.Single(s => s.SiloPort == owner.Endpoint.Port);
            var queries = Enumerable.Range(0, 20).Select(_ => RandomVector(random)).ToArray();
            var expected = queries.Select(q => SearchOracle.Nearest(live, q, MetricType.L2, TopK).Select(e => e.Key).ToArray()).ToArray();
            var mismatches = new List<string>();
            var (searches, longest) = (0, TimeSpan.Zero);
            var clock = Stopwatch.StartNew();
            var killed = false;
            while (clock.Elapsed < TimeSpan.FromSeconds(20))
            {
                if (!killed && clock.Elapsed > TimeSpan.FromSeconds(3))
                {
                    victim.Kill();
                    killed = true;
                }

                var q = searches++ % queries.Length;
                var started = Stopwatch.GetTimestamp();
                var keys = (long[])(await client.SearchAsync("replicated", [queries[q]], TopK, cancellationToken: ct))[0].Rows.Column("id")!.Values;
                longest = TimeSpan.FromTicks(Math.Max(longest.Ticks, Stopwatch.GetElapsedTime(started).Ticks));
                if (!keys.SequenceEqual(expected[q]))
                {
                    mismatches.Add($"query {q}: [{string.Join(", ", keys)}], expected [{string.Join(", ", expected[q])}]");
                }
            }

            Assert.False(first.FollowsLog);
            Assert.True(second.FollowsLog);
            Assert.Equal(owner.ToString(), first.Silo);
            Assert.NotEqual(first.Silo, second.Silo);
            Assert.Empty(mismatches);
            Assert.True(searches > 100, $"{searches} searches");
            Assert.True(longest < TimeSpan.FromSeconds(5), $"a search took {longest.TotalMilliseconds:F0} ms");
        }
        finally
        {
            foreach (var silo in silos)
            {
                silo.Dispose();
            }
        }
    }

    private static float[] RandomVector(Random random) => [.. Enumerable.Range(0, Dimension).Select(_ => random.NextSingle())];
}
