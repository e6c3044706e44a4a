using Microsoft.Extensions.DependencyInjection;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Streaming.Tests.Collections;
using Milvus.Orleans.Streaming.Wal;

namespace Milvus.Orleans.Streaming.Tests.Wal;

/// <summary>Single writer per pchannel, enforced by storage even when two activations believe they own it.</summary>
public sealed class FencingTests() : ClusterTests(2)
{
    [Fact]
    public async Task AppendAsync_WhenANewerTermTookTheLog_FailsWithFencedAndWritesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("fenced", shards: 1), ct);
        await client.InsertAsync("fenced", TestRows.Rows(0, 5), cancellationToken: ct);
        var vchannel = info.VChannels[0];
        var pchannel = Channels.ChannelNames.PChannelOf(vchannel);
        var stale = TestCluster.SiloGrains.GetGrain<IWalGrain>(pchannel);
        var staleTerm = (await stale.GetStateAsync()).Term;

        // A second activation elsewhere takes the log with the next term and writes one message.
        var codec = TestCluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<MessageCodec>();
        var takeover = new WalMessage(MessageKind.Insert, vchannel, info.Id, "_default", TestRows.Rows(1000, 1));
        await using (var newer = await TestCluster.OpenWalAsync(pchannel, staleTerm + 1))
        {
            await newer.AppendAsync([codec.Encode(new HybridTimestamp(ulong.MaxValue >> 1), takeover)], ct);
        }

        var error = await Assert.ThrowsAsync<MilvusException>(() => stale.AppendAsync([new WalMessage(MessageKind.Insert, vchannel, info.Id, "_default", TestRows.Rows(2000, 1))]));

        Assert.Equal(ErrorCode.Fenced, error.Code);
        Assert.Contains($"writer term {staleTerm} is fenced by term {staleTerm + 1}", error.Message, StringComparison.Ordinal);
        var inserted = (await TestCluster.ReadLogAsync(pchannel)).Where(m => m.Message.Kind == MessageKind.Insert).SelectMany(m => TestRows.Keys(m.Message.Rows!)).ToArray();
        Assert.Equal([0L, 1, 2, 3, 4, 1000], inserted);
    }

    [Fact]
    public async Task InsertAsync_AfterTheLogWasTakenBehindTheCoordinatorsBack_RecoversWithAHigherTerm()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("healed", shards: 1), ct);
        await client.InsertAsync("healed", TestRows.Rows(0, 5), cancellationToken: ct);
        var pchannel = Channels.ChannelNames.PChannelOf(info.VChannels[0]);
        var term = (await TestCluster.Cluster.Client.GetGrain<IWalGrain>(pchannel).GetStateAsync()).Term;
        await (await TestCluster.OpenWalAsync(pchannel, term + 5)).DisposeAsync();

        // The owner is fenced, reports it, and the coordinator moves the binding past the storage's term.
        await client.InsertAsync("healed", TestRows.Rows(5, 5), cancellationToken: ct);

        var topology = await client.GetTopologyAsync(ct);
        Assert.Equal(term + 6, topology.Binding(pchannel)!.Term);
        Assert.Equal(term + 6, (await TestCluster.Cluster.Client.GetGrain<IWalGrain>(pchannel).GetStateAsync()).Term);
        var inserted = (await TestCluster.ReadLogAsync(pchannel)).Where(m => m.Message.Kind == MessageKind.Insert).SelectMany(m => TestRows.Keys(m.Message.Rows!));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), inserted);
    }
}
