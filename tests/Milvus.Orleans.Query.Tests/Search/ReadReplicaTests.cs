using Milvus.Orleans.Channels;
using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Query.Tests.Search;

/// <summary>
/// A collection loaded with two replicas: the second delegator of each shard runs on another silo than its pchannel's
/// owner and follows the log in storage itself, so reads go on from it while the owner's silo is gone.
/// </summary>
public sealed class ReadReplicaTests : IAsyncLifetime
{
    private const int Dimension = 8;
    private InProcessMilvusCluster _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await InProcessMilvusCluster.StartAsync(
        3, new Dictionary<string, string?> { ["Milvus:Streaming:PChannels"] = "4", ["Milvus:Query:IndexMinRows"] = "100000000", ["Milvus:Query:Nodes"] = "3" });

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task LoadCollectionAsync_WithTwoReplicas_ServesEveryRowOnceFromEachWithTheSecondFollowingTheLogOnAnotherSilo()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        await _cluster.WaitForBalancedAsync(3, TimeSpan.FromSeconds(60), ct);
        var random = new Random(17);
        var live = await OracleSearchLoop.WriteFlushedPartsAsync(client, "replicas", Dimension, shards: 2, parts: 2, random, ct);
        await InsertAsync(client, "replicas", 800, 400, random, live, ct);

        await client.LoadCollectionAsync("replicas", replicas: 2, ct);
        var first = await client.GetShardStatusAsync("replicas", replica: 0, ct);
        var second = await client.GetShardStatusAsync("replicas", replica: 1, ct);
        // More rows, and a flush: the follower hands them to history's segments on its nodes.
        await InsertAsync(client, "replicas", 1_200, 400, random, live, ct);
        await client.FlushAsync("replicas", ct);
        var handedOff = await Poll.UntilAsync(
            async () => (await client.GetShardStatusAsync("replicas", replica: 0, ct)).Concat(await client.GetShardStatusAsync("replicas", replica: 1, ct)).ToArray(),
            shards => shards.All(s => s.GrowingRows == 0 && s.SealedInMemory == 0),
            TimeSpan.FromSeconds(30),
            ct);

        Assert.All(first, s => Assert.False(s.FollowsLog));
        Assert.All(second, s => Assert.True(s.FollowsLog));
        Assert.All(first.Zip(second), pair => Assert.NotEqual(pair.First.Silo, pair.Second.Silo));
        Assert.All(handedOff, s => Assert.Equal(3, s.SegmentsByNode.Values.Sum()));
        // Replica 1's node n + 3 holds what replica 0's node n holds, one silo further: each segment is on two silos.
        var nodeSilos = await NodeSilosAsync();
        var firstNodes = handedOff[..2].SelectMany(s => s.SegmentsByNode.Keys).Distinct().ToArray();
        Assert.Equal(firstNodes.Select(n => n + 3).Order(), handedOff[2..].SelectMany(s => s.SegmentsByNode.Keys).Distinct().Order());
        Assert.All(firstNodes, n => Assert.NotEqual(nodeSilos[n], nodeSilos[n + 3]));
        var queries = Enumerable.Range(0, 10).Select(_ => RandomVector(random)).ToArray();
        var expected = queries.Select(q => SearchOracle.Nearest(live, q, MetricType.L2, 5).Select(e => e.Key).ToArray()).ToArray();
        for (var replica = 0; replica < 2; replica++)
        {
            Assert.Equal(live.Count, await StrongCountAsync(replica, "replicas", ct));
            Assert.Equal(expected, await StrongSearchAsync(replica, "replicas", queries, ct));
        }
    }

    [Fact]
    public async Task SearchAsync_AtBoundedWhileTheOwnerOfThePChannelIsKilled_NeverFailsAndKeepsTheOracleHits()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        await _cluster.WaitForBalancedAsync(3, TimeSpan.FromSeconds(60), ct);
        var random = new Random(19);
        var live = await OracleSearchLoop.WriteFlushedPartsAsync(client, "killed", Dimension, shards: 1, parts: 3, random, ct);
        await InsertAsync(client, "killed", 1_200, 400, random, live, ct);
        await client.LoadCollectionAsync("killed", replicas: 2, ct);
        // Every replica has applied every row before the loop starts: the rows a Bounded read sees are all of them.
        for (var replica = 0; replica < 2; replica++)
        {
            Assert.Equal(live.Count, await StrongCountAsync(replica, "killed", ct));
        }

        var pchannel = ChannelNames.PChannelOf((await client.DescribeCollectionAsync("killed", ct)).VChannels[0]);
        var owner = (await client.GetTopologyAsync(ct)).Binding(pchannel)!.Silo;
        var victim = _cluster.Cluster.Silos.Single(s => s.SiloAddress == owner);
        var loop = OracleSearchLoop.Start(_cluster, "killed", live, Dimension, random);

        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        var beforeKill = loop.Searches;
        var killedAt = TimeProvider.System.GetUtcNow();
        await _cluster.Cluster.KillSiloAsync(victim, ct);
        await Task.Delay(TimeSpan.FromSeconds(8), ct);
        var afterKill = loop.Searches;
        // Longer than the longest search allowed, so that a search ends in it whatever the machine's load.
        await Task.Delay(TimeSpan.FromSeconds(6), ct);
        await loop.StopAsync();

        var figures = $"searches: {beforeKill} in 2 s before the kill, {afterKill - beforeKill} in 8 s after, {loop.Searches - afterKill} in the last 6 s; longest {loop.Longest.TotalMilliseconds:F0} ms, started {(loop.LongestStarted - killedAt).TotalSeconds:F1} s after the kill";
        TestContext.Current.TestOutputHelper?.WriteLine(figures);
        Assert.Empty(loop.Mismatches);
        Assert.True(
            loop.Longest < TimeSpan.FromSeconds(5),
            $"{figures}\nThe silos' log meanwhile:\n{string.Join('\n', _cluster.Log.Between(loop.LongestStarted, loop.LongestStarted + loop.Longest, limit: 80))}");
        Assert.True(beforeKill > 0 && afterKill > beforeKill && loop.Searches > afterKill, figures);
        Assert.Equal(loop.Expected, await loop.SearchAllAsync(client, "killed", ct));
    }

    [Fact]
    public async Task SearchAsync_OnAReplicaTheCollectionIsNotLoadedWith_IsRefusedWithoutFollowingTheLog()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        await OracleSearchLoop.WriteFlushedPartsAsync(client, "unloaded", Dimension, shards: 1, parts: 1, new Random(29), ct);
        var info = await client.DescribeCollectionAsync("unloaded", ct);
        var request = new SearchRequest(info.Id, "vec", RandomVector(new Random(31)), 5, null, [], default);

        // A client naming replica 7 itself: each such replica would otherwise read the whole log on some silo.
        var error = await Assert.ThrowsAsync<MilvusException>(() => _cluster.Cluster.Client.GetGrain<IQueryDelegatorGrain>(ChannelNames.Delegator(info.VChannels[0], 7)).SearchAsync(request));

        Assert.Equal(ErrorCode.ChannelNotReady, error.Code);
        Assert.Equal($"Shard '{info.VChannels[0]}': collection 'unloaded' is loaded with replicas 0..0, not 7; retry on one of them.", error.Message);
    }

    private static float[] RandomVector(Random random) => [.. Enumerable.Range(0, Dimension).Select(_ => random.NextSingle())];

    /// <summary>Inserts <paramref name="count"/> rows from key <paramref name="from"/> without a flush (growing data), and notes them in <paramref name="live"/>.</summary>
    private static async Task InsertAsync(MilvusClient client, string collection, int from, int count, Random random, Dictionary<long, float[]> live, CancellationToken ct)
    {
        var keys = Enumerable.Range(from, count).Select(i => (long)i).ToArray();
        var vectors = keys.Select(_ => RandomVector(random)).ToArray();
        await client.InsertAsync(collection, new RowBatch([FieldColumn.Int64("id", keys), FieldColumn.FloatVector("vec", Dimension, [.. vectors.SelectMany(v => v)])]), cancellationToken: ct);
        for (var i = 0; i < keys.Length; i++)
        {
            live[keys[i]] = vectors[i];
        }
    }

    /// <summary>How many rows replica <paramref name="replica"/> of every shard counts at Strong consistency.</summary>
    private async Task<long> StrongCountAsync(int replica, string collection, CancellationToken ct)
    {
        var info = await _cluster.Client.DescribeCollectionAsync(collection, ct);
        var ts = await _cluster.Client.AllocateTimestampAsync(ct);
        var counts = await Task.WhenAll(info.VChannels.Select(v => Delegator(v, replica).QueryAsync(new QueryRequest(info.Id, null, [], 0, ts, CountOnly: true))));
        return counts.Sum(c => c.Count);
    }

    /// <summary>The top 5 keys of each query from replica <paramref name="replica"/> of every shard, at Strong consistency.</summary>
    private async Task<long[][]> StrongSearchAsync(int replica, string collection, float[][] queries, CancellationToken ct)
    {
        var info = await _cluster.Client.DescribeCollectionAsync(collection, ct);
        var request = new SearchRequest(info.Id, "vec", [.. queries.SelectMany(q => q)], 5, null, [], await _cluster.Client.AllocateTimestampAsync(ct));
        var shards = await Task.WhenAll(info.VChannels.Select(v => Delegator(v, replica).SearchAsync(request)));
        return [.. Enumerable.Range(0, queries.Length).Select(q => (long[])ReadMerge.Hits([.. shards.Select(s => s[q])], MetricType.L2, 5).Rows.Column("id")!.Values)];
    }

    /// <summary>Where each active query node is.</summary>
    private async Task<Dictionary<long, SiloAddress>> NodeSilosAsync() =>
        (await _cluster.SiloGrains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics())
            .Where(s => s.GrainType.Contains("QueryNodeGrain", StringComparison.Ordinal))
            .ToDictionary(s => s.GrainId.GetIntegerKey(), s => s.SiloAddress);

    private IQueryDelegatorGrain Delegator(string vchannel, int replica) =>
        _cluster.SiloGrains.GetGrain<IQueryDelegatorGrain>(ChannelNames.Delegator(vchannel, replica));
}
