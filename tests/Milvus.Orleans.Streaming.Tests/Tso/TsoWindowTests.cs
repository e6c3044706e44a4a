using Milvus.Orleans.Grains;
using Milvus.Orleans.Streaming.Tso;

namespace Milvus.Orleans.Streaming.Tests.Tso;

public sealed class TsoWindowTests
{
    private const long WindowMs = 3_000;
    private const long Now = 1_750_000_000_000;

    [Fact]
    public void Next_WhenFresh_StartsAtTheClock()
    {
        var window = new TsoWindow(0, WindowMs);

        var range = window.Next(5, Now);

        Assert.Equal(HybridTimestamp.Compose(Now, 0), range.First);
        Assert.Equal(HybridTimestamp.Compose(Now, 4), range.Last);
    }

    [Fact]
    public void Next_WhenCalledTwiceInOneMillisecond_CountsUpTheLogicalPart()
    {
        var window = Reserved(new TsoWindow(0, WindowMs), Now);
        window.Issue(window.Next(10, Now));

        var second = window.Next(3, Now);

        Assert.Equal(HybridTimestamp.Compose(Now, 10), second.First);
        Assert.Equal(HybridTimestamp.Compose(Now, 12), second.Last);
    }

    [Fact]
    public void Next_WhenClockMovesBackwards_StaysAboveTheLastIssued()
    {
        var window = Reserved(new TsoWindow(0, WindowMs), Now);
        var first = window.Next(1, Now);
        window.Issue(first);

        var second = window.Next(1, Now - 1_000);

        Assert.Equal(first.Last.Value + 1, second.First.Value);
    }

    [Fact]
    public void ReservationFor_WhenInsideTheReservation_IsNull()
    {
        var window = Reserved(new TsoWindow(0, WindowMs), Now);

        Assert.Null(window.ReservationFor(window.Next(100, Now + WindowMs - 1), Now + WindowMs - 1));
    }

    [Fact]
    public void ReservationFor_WhenBeyondTheReservation_ReachesOneWindowAheadOfTheClock()
    {
        var window = new TsoWindow(0, WindowMs);

        var reservation = window.ReservationFor(window.Next(1, Now), Now);

        Assert.Equal(HybridTimestamp.Compose(Now + WindowMs, HybridTimestamp.MaxLogical).Value, reservation);
    }

    [Fact]
    public void Next_AfterRestartWithClockBehindTheReservation_ResumesAboveTheReservation()
    {
        var reservedUpTo = HybridTimestamp.Compose(Now + WindowMs, HybridTimestamp.MaxLogical).Value;
        var restarted = new TsoWindow(reservedUpTo, WindowMs);

        var range = restarted.Next(1, Now);

        Assert.Equal(reservedUpTo + 1, range.First.Value);
    }

    [Fact]
    public void Issue_WhenBeyondTheReservation_Throws()
    {
        var window = new TsoWindow(0, WindowMs);

        Assert.Throws<InvalidOperationException>(() => window.Issue(window.Next(1, Now)));
    }

    [Fact]
    public void Issue_WhenRangeWasAlreadyIssued_Throws()
    {
        var window = Reserved(new TsoWindow(0, WindowMs), Now);
        var range = window.Next(1, Now);
        window.Issue(range);

        Assert.Throws<InvalidOperationException>(() => window.Issue(range));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(ITsoGrain.MaxBatch + 1)]
    public void Next_WhenCountOutOfRange_Throws(int count)
    {
        var window = new TsoWindow(0, WindowMs);

        Assert.Throws<ArgumentOutOfRangeException>(() => window.Next(count, Now));
    }

    private static TsoWindow Reserved(TsoWindow window, long nowMs)
    {
        window.Reserved(window.ReservationFor(window.Next(1, nowMs), nowMs)!.Value);
        return window;
    }
}
