using Microsoft.Extensions.DependencyInjection;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Streaming.Tests.Collections;
using Milvus.Orleans.Streaming.Wal;

using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Streaming.Tests.Wal;

/// <summary>Single writer per pchannel, enforced by storage even when two activations believe they own it.</summary>
public sealed class FencingTests : IAsyncLifetime
{
    private InProcessMilvusCluster _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await InProcessMilvusCluster.StartAsync(2);

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task AppendAsync_WhenANewerTermTookTheLog_FailsWithFencedAndWritesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("fenced", shards: 1), ct);
        await client.InsertAsync("fenced", TestRows.Rows(0, 5), cancellationToken: ct);
        var vchannel = info.VChannels[0];
        var pchannel = Channels.ChannelNames.PChannelOf(vchannel);
        var stale = _cluster.Cluster.Client.GetGrain<IWalGrain>(pchannel);
        var staleTerm = (await stale.GetStateAsync()).Term;

        // A second activation elsewhere takes the log with the next term and writes one message.
        var codec = _cluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<MessageCodec>();
        var takeover = new WalMessage(MessageKind.Insert, vchannel, info.Id, "_default", TestRows.Rows(1000, 1));
        await using (var newer = await _cluster.OpenWalAsync(pchannel, staleTerm + 1))
        {
            await newer.AppendAsync([codec.Encode(new HybridTimestamp(ulong.MaxValue >> 1), takeover)], ct);
        }

        var error = await Assert.ThrowsAsync<MilvusException>(() => stale.AppendAsync([new WalMessage(MessageKind.Insert, vchannel, info.Id, "_default", TestRows.Rows(2000, 1))]));

        Assert.Equal(ErrorCode.Fenced, error.Code);
        Assert.Contains($"writer term {staleTerm} is fenced by term {staleTerm + 1}", error.Message, StringComparison.Ordinal);
        var inserted = (await _cluster.ReadLogAsync(pchannel)).Where(m => m.Message.Kind == MessageKind.Insert).SelectMany(m => TestRows.Keys(m.Message.Rows!)).ToArray();
        Assert.Equal([0L, 1, 2, 3, 4, 1000], inserted);
    }

    [Fact]
    public async Task InsertAsync_AfterTheLogWasTakenBehindTheCoordinatorsBack_RecoversWithAHigherTerm()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("healed", shards: 1), ct);
        await client.InsertAsync("healed", TestRows.Rows(0, 5), cancellationToken: ct);
        var pchannel = Channels.ChannelNames.PChannelOf(info.VChannels[0]);
        var term = (await _cluster.Cluster.Client.GetGrain<IWalGrain>(pchannel).GetStateAsync()).Term;
        await (await _cluster.OpenWalAsync(pchannel, term + 5)).DisposeAsync();

        // The owner is fenced, reports it, and the coordinator moves the binding past the storage's term.
        await client.InsertAsync("healed", TestRows.Rows(5, 5), cancellationToken: ct);

        var topology = await client.GetTopologyAsync(ct);
        Assert.Equal(term + 6, topology.Binding(pchannel)!.Term);
        Assert.Equal(term + 6, (await _cluster.Cluster.Client.GetGrain<IWalGrain>(pchannel).GetStateAsync()).Term);
        var inserted = (await _cluster.ReadLogAsync(pchannel)).Where(m => m.Message.Kind == MessageKind.Insert).SelectMany(m => TestRows.Keys(m.Message.Rows!));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), inserted);
    }
}
