using Milvus.Orleans.Channels;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Streaming.Tests.Collections;

namespace Milvus.Orleans.Streaming.Tests.Streams;

public sealed class VChannelStreamFailoverTests() : ClusterTests(3, VChannelStreamTests.OrleansStreams)
{
    [Fact]
    public async Task SubscribeAsync_WhenThePChannelsOwnerIsKilled_DeliversEveryAcknowledgedInsertOnceInOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("moving", shards: 8), ct);
        var probe = TestCluster.Cluster.Client.GetGrain<IStreamProbeGrain>("moving");
        var probeSilo = await probe.GetSiloAsync();
        var topology = await TestCluster.WaitForBalancedAsync(3, TimeSpan.FromSeconds(30), ct);
        // A vchannel whose pchannel lives neither with the probe nor on the silo holding the test membership table.
        var shard = Enumerable.Range(0, 8).First(s =>
        {
            var owner = topology.Binding(ChannelNames.PChannelOf(info.VChannels[s]))!.Silo!;
            return owner != TestCluster.Cluster.Silos[0].SiloAddress && owner.ToParsableString() != probeSilo;
        });
        var vchannel = info.VChannels[shard];
        var victim = TestCluster.Cluster.Silos.Single(s => s.SiloAddress == topology.Binding(ChannelNames.PChannelOf(vchannel))!.Silo);
        var keys = Enumerable.Range(0, 100_000).Select(k => (long)k).Where(k => ShardRouter.ShardsOf(new[] { k }, 8)[0] == shard).ToArray();
        await probe.SubscribeAsync(vchannel, VChannelSequenceToken.From(0));

        var acknowledged = new List<long>();
        for (var batch = 0; batch < 40; batch++)
        {
            if (batch == 15)
            {
                await TestCluster.Cluster.KillSiloAsync(victim, ct);
            }

            var batchKeys = keys.Skip(batch * 5).Take(5).ToArray();
            await client.InsertAsync("moving", TestRows.Rows(batchKeys), cancellationToken: ct);
            acknowledged.AddRange(batchKeys);
        }

        var received = await WaitForKeysAsync(probe, acknowledged.Count, ct);
        var after = await client.GetTopologyAsync(ct);

        Assert.NotEqual(victim.SiloAddress, after.Binding(ChannelNames.PChannelOf(vchannel))!.Silo);
        Assert.Equal(MessageKind.CreateCollection, received[0].Message.Kind);
        Assert.Equal(acknowledged, received.Skip(1).SelectMany(m => TestRows.Keys(m.Message.Rows!)));
        Assert.True(received.Zip(received.Skip(1)).All(p => p.First.Ts < p.Second.Ts), "timestamps must increase");
    }

    private static async Task<IReadOnlyList<LoggedMessage>> WaitForKeysAsync(IStreamProbeGrain probe, int keys, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            var received = await probe.GetReceivedAsync();
            var count = received.Where(m => m.Message.Kind == MessageKind.Insert).Sum(m => m.Message.Rows!.RowCount);
            Assert.False(timeout.IsCancellationRequested, $"{keys} keys expected in 60 s, got {count}");
            if (count >= keys)
            {
                // A moment more for a late duplicate to show.
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
                return await probe.GetReceivedAsync();
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), timeout.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
