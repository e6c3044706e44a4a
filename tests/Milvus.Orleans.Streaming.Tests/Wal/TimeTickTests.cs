using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Milvus.Orleans.Channels;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Streaming.Tests.Collections;

using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Streaming.Tests.Wal;

/// <summary>An idle pchannel writes one time tick per tick interval of its clock, and only then.</summary>
public sealed class TimeTickTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private InProcessMilvusCluster _cluster = null!;

    public async ValueTask InitializeAsync() =>
        _cluster = await InProcessMilvusCluster.StartAsync(1, services: s => s.AddSingleton<TimeProvider>(_clock));

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Appender_WhenIdleForEachTickInterval_WritesOneIncreasingTimeTickPerInterval()
    {
        var info = await _cluster.Client.CreateCollectionAsync(TestRows.Schema("ticks", shards: 1), TestContext.Current.CancellationToken);
        var pchannel = ChannelNames.PChannelOf(info.VChannels[0]);
        var wal = _cluster.Cluster.Client.GetGrain<IWalGrain>(pchannel);
        var before = await wal.GetStateAsync();
        var ticks = new List<HybridTimestamp>();

        for (var i = 0; i < 5; i++)
        {
            var last = (await wal.GetStateAsync()).LastTimeTick;
            _clock.Advance(TimeSpan.FromMilliseconds(200));
            ticks.Add(await WaitForTickAfterAsync(wal, last));
        }

        var logged = (await _cluster.ReadLogAsync(pchannel)).Where(m => m.Id > before.LastConfirmedId).ToList();
        Assert.Equal(Enumerable.Repeat(MessageKind.TimeTick, 5), logged.Select(m => m.Message.Kind));
        Assert.Equal(ticks, logged.Select(m => m.Ts));
        Assert.True(ticks.Zip(ticks.Skip(1)).All(p => p.First < p.Second));
        Assert.True(ticks[0] > before.LastTimeTick);
    }

    private static async Task<HybridTimestamp> WaitForTickAfterAsync(IWalGrain wal, HybridTimestamp last)
    {
        // The loop runs on real threads: wait (in real time) for it to act on the advanced clock.
        for (var attempt = 0; attempt < 500; attempt++)
        {
            var tick = (await wal.GetStateAsync()).LastTimeTick;
            if (tick > last)
            {
                return tick;
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"No time tick after {last}.");
    }
}
