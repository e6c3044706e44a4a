using Milvus.Orleans.Grains;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Milvus.Orleans.Streaming.Tso;
using Orleans.TestingHost;

namespace Milvus.Orleans.Streaming.Tests.Tso;

/// <summary>The oracle on a real (in-process) silo with memory grain storage and a frozen clock.</summary>
public sealed class TsoGrainTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Start);
    private InProcessTestCluster _cluster = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorageAsDefault();
            silo.AddMilvusStreaming(new ConfigurationBuilder().Build());
            // The oracle's clock only: Orleans' own timers stay on real time.
            silo.Services.AddKeyedSingleton<TimeProvider>(TsoGrain.ClockKey, _clock);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task AllocateAsync_WhenCalledRepeatedly_ReturnsDisjointIncreasingRanges()
    {
        var tso = _cluster.Client.GetGrain<ITsoGrain>(0);
        var previous = new HybridTimestamp(0);

        for (var i = 1; i <= 200; i++)
        {
            var range = await tso.AllocateAsync(i);
            Assert.Equal(i, range.Count);
            Assert.True(range.First > previous, $"call {i}: {range.First} after {previous}");
            previous = range.Last;
            _clock.Advance(TimeSpan.FromMilliseconds(i % 7));
        }
    }

    [Fact]
    public async Task AllocateAsync_AfterDeactivationWithFrozenClock_NeverReissues()
    {
        var tso = _cluster.Client.GetGrain<ITsoGrain>(0);
        // With the clock frozen, the issued timestamps run far ahead of it: only the persisted reservation
        // keeps a new activation from starting again at the clock.
        TimestampRange last = default;
        for (var i = 0; i < 8; i++)
        {
            last = await tso.AllocateAsync(ITsoGrain.MaxBatch);
        }

        await _cluster.DeactivateAsync(tso);
        var afterRestart = await tso.AllocateAsync(1);

        Assert.True(afterRestart.First > last.Last, $"{afterRestart.First} after {last.Last}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(ITsoGrain.MaxBatch + 1)]
    public async Task AllocateAsync_WhenCountOutOfRange_ThrowsInvalidArgument(int count)
    {
        var tso = _cluster.Client.GetGrain<ITsoGrain>(0);

        var error = await Assert.ThrowsAsync<MilvusException>(() => tso.AllocateAsync(count));

        Assert.Equal(ErrorCode.InvalidArgument, error.Code);
        Assert.Contains($"count = {count}", error.Message, StringComparison.Ordinal);
    }
}
