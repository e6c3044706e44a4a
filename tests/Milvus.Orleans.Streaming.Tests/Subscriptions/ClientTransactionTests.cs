using Milvus.Orleans.Messages;
using Milvus.Orleans.Streaming.VChannels;

namespace Milvus.Orleans.Streaming.Tests.Subscriptions;

public sealed class ClientTransactionTests
{
    private static readonly long StartMs = new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private readonly ClientTransaction _txn = new(7, 1, Guid.NewGuid(), TimeSpan.FromSeconds(10), Ts(0), DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task RunAsync_WhenARequestIsRetried_RunsItOnceAndReturnsTheFirstOutcome()
    {
        var request = Guid.NewGuid();
        var runs = 0;
        var gate = new TaskCompletionSource<WriteResult>();

        var first = _txn.RunAsync(request, DateTimeOffset.UnixEpoch, () => { runs++; return gate.Task; });
        var retry = _txn.RunAsync(request, DateTimeOffset.UnixEpoch, () => { runs++; return Task.FromResult(new WriteResult(99, Ts(1))); });
        gate.SetResult(new WriteResult(3, Ts(1)));

        Assert.Equal(3, (await first).Count);
        Assert.Equal(3, (await retry).Count);
        Assert.Equal(1, runs);
    }

    [Fact]
    public async Task RunAsync_WhenOperationsOverlap_RunsThemOneAtATimeInOrder()
    {
        var order = new List<int>();
        var gate = new TaskCompletionSource();

        var first = _txn.RunAsync(Guid.NewGuid(), DateTimeOffset.UnixEpoch, async () => { await gate.Task; order.Add(1); return new WriteResult(1, Ts(1)); });
        var second = _txn.RunAsync(Guid.NewGuid(), DateTimeOffset.UnixEpoch, () => { order.Add(2); return Task.FromResult(new WriteResult(1, Ts(2))); });
        Assert.Empty(order);
        gate.SetResult();
        await Task.WhenAll(first, second);

        Assert.Equal([1, 2], order);
    }

    [Fact]
    public async Task Logged_WhenAMessageLandsLaterThanTheKeepAliveAfterTheLast_ExpiresAndClosesTheTransaction()
    {
        _txn.Logged(Ts(9_000), Ts(9_500));
        var error = Assert.Throws<MilvusException>(() => _txn.Logged(Ts(19_501), Ts(19_501)));
        var closed = await Assert.ThrowsAsync<MilvusException>(() => _txn.RunAsync(Guid.NewGuid(), DateTimeOffset.UnixEpoch, () => Task.FromResult(new WriteResult(0, Ts(20_000)))));

        Assert.Equal(ErrorCode.TransactionExpired, error.Code);
        Assert.True(_txn.IsClosed);
        Assert.Equal(ErrorCode.TransactionNotFound, closed.Code);
    }

    private static HybridTimestamp Ts(long ms) => HybridTimestamp.Compose(StartMs + ms, 0);
}
