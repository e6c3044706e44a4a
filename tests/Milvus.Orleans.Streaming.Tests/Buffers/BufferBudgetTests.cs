using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Milvus.Orleans.Streaming.Buffers;
using Milvus.Orleans.Wal;

namespace Milvus.Orleans.Streaming.Tests.Buffers;

public sealed class BufferBudgetTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly FakeTimeProvider _time = new();
    private readonly BufferBudget _budget;

    public BufferBudgetTests() => _budget = new BufferBudget(Options.Create(new WalOptions { BufferSizeMb = 64 }), _time);

    [Fact]
    public void Limits_OfA64MiBBound_AreAnEighthForAppendsAndThreeEighthsForGrowingSegments()
    {
        Assert.Equal(8 * MiB, _budget.AppendLimit);
        Assert.Equal(24 * MiB, _budget.GrowingLimit);
    }

    [Fact]
    public async Task EnterAppendAsync_WhenFull_AdmitsWaitersInArrivalOrderAsRoomIsLeft()
    {
        var ct = TestContext.Current.CancellationToken;
        await _budget.EnterAppendAsync(6 * MiB, "p", ct);
        var second = _budget.EnterAppendAsync(3 * MiB, "p", ct).AsTask();
        var third = _budget.EnterAppendAsync(1 * MiB, "p", ct).AsTask();

        Assert.False(second.IsCompleted);
        Assert.False(third.IsCompleted); // fits, but waits behind the second: no overtaking
        _budget.LeaveAppend(6 * MiB);
        await second;
        await third;
        Assert.Equal(4 * MiB, _budget.Appends);
        Assert.Equal(2, _budget.AppendsWaited);
    }

    [Fact]
    public async Task EnterAppendAsync_WhenNothingIsHeld_AdmitsAnAppendLargerThanTheShare()
    {
        await _budget.EnterAppendAsync(20 * MiB, "p", TestContext.Current.CancellationToken);

        Assert.Equal(20 * MiB, _budget.Appends);
        Assert.Equal(0, _budget.AppendsWaited);
    }

    [Fact]
    public async Task EnterAppendAsync_WhenNoRoomComesWithinTheWait_FailsWithBackpressureAndHoldsNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await _budget.EnterAppendAsync(8 * MiB, "mo-rootcoord-dml_1", ct);
        var waiting = _budget.EnterAppendAsync(MiB, "mo-rootcoord-dml_1", ct).AsTask();

        _time.Advance(BufferBudget.AppendWait);

        var error = await Assert.ThrowsAsync<MilvusException>(() => waiting);
        Assert.Equal(ErrorCode.Backpressure, error.Code);
        Assert.True(error.IsTransient);
        Assert.Equal("pchannel 'mo-rootcoord-dml_1': 8 MiB of appends are waiting for the log, the most Milvus:Wal:BufferSizeMb allows; nothing was written, retry later.", error.Message);
        _budget.LeaveAppend(8 * MiB);
        Assert.Equal(0, _budget.Appends);
    }

    [Fact]
    public void GrowingFits_WhenTheRecordWouldPassTheShare_IsFalseUntilRoomIsGivenBack()
    {
        _budget.AddGrowing(24 * MiB - 100);
        Assert.True(_budget.GrowingFits(100));
        Assert.False(_budget.GrowingFits(101));
        _budget.AddGrowing(-1);
        Assert.True(_budget.GrowingFits(101));
        _budget.AddGrowing(-(24 * MiB) + 101);
        Assert.Equal(0, _budget.Growing);
    }

    public void Dispose() => _budget.Dispose();
}
