using Milvus.Orleans.Messages;

namespace Milvus.Orleans.Streaming.Tests.Messages;

public sealed class VChannelMessageFilterTests
{
    private const string Mine = "mo-rootcoord-dml_0_1v0";
    private const string Other = "mo-rootcoord-dml_0_2v0";
    private static readonly long StartMs = new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private readonly VChannelMessageFilter _filter = new(Mine, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60));
    private long _id;

    [Fact]
    public void Accept_WhenVChannelsShareThePChannel_PassesOwnMessagesAndTimeTicksInOrder()
    {
        var passed = Feed(
            Msg(0, MessageKind.Insert, Mine),
            Msg(1, MessageKind.Insert, Other),
            Msg(2, MessageKind.TimeTick, string.Empty),
            Msg(3, MessageKind.Delete, Mine));

        Assert.Equal([0L, 2, 3], passed.Select(m => m.Id));
    }

    [Fact]
    public void Accept_WhenATransactionCommits_ReleasesItsMessagesAtTheCommitWithoutMarkers()
    {
        var passed = new List<LoggedMessage>();

        passed.AddRange(_filter.Accept(Msg(0, MessageKind.BeginTxn, Mine, txn: 7)));
        passed.AddRange(_filter.Accept(Msg(1, MessageKind.Insert, Mine, txn: 7)));
        passed.AddRange(_filter.Accept(Msg(2, MessageKind.Insert, Mine, txn: 7)));
        Assert.Empty(passed);
        Assert.Equal(1, _filter.OpenTransactions);
        passed.AddRange(_filter.Accept(Msg(3, MessageKind.CommitTxn, Mine, txn: 7)));

        Assert.Equal([1L, 2], passed.Select(m => m.Id));
        // Resuming after the first re-reads the transaction from its begin; after the last, past the commit.
        Assert.Equal([0L, 4], passed.Select(m => m.Next));
        Assert.Equal(0, _filter.OpenTransactions);
    }

    [Fact]
    public void Accept_WhenATransactionRollsBack_PassesNoneOfIt()
    {
        var passed = Feed(
            Msg(0, MessageKind.BeginTxn, Mine, txn: 7),
            Msg(1, MessageKind.Insert, Mine, txn: 7),
            Msg(2, MessageKind.RollbackTxn, Mine, txn: 7),
            Msg(3, MessageKind.Insert, Mine));

        Assert.Equal([3L], passed.Select(m => m.Id));
    }

    [Fact]
    public void Accept_WhenATransactionOutlivesItsKeepAlive_DropsItAndIgnoresALateCommit()
    {
        var passed = Feed(
            Msg(0, MessageKind.BeginTxn, Mine, txn: 7),
            Msg(1, MessageKind.Insert, Mine, txn: 7),
            Msg(11_001, MessageKind.TimeTick, string.Empty),
            Msg(11_002, MessageKind.CommitTxn, Mine, txn: 7));

        Assert.Equal([2L], passed.Select(m => m.Id));
        Assert.Equal(0, _filter.OpenTransactions);
    }

    [Fact]
    public void Accept_WhenARetryLoggedARequestTwice_PassesItOnce()
    {
        var request = Guid.NewGuid();
        var passed = Feed(
            Msg(0, MessageKind.Insert, Mine, request: request),
            Msg(5, MessageKind.Insert, Mine),
            Msg(20, MessageKind.Insert, Mine, request: request),
            Msg(30, MessageKind.BeginTxn, Mine, txn: 8, request: request),
            Msg(31, MessageKind.Insert, Mine, txn: 8, request: request),
            Msg(32, MessageKind.CommitTxn, Mine, txn: 8, request: request));

        Assert.Equal([0L, 1], passed.Select(m => m.Id));
    }

    [Fact]
    public void IsFirst_AfterTheWindowPassed_ForgetsTheRequest()
    {
        var requests = new RequestDeduplicator(TimeSpan.FromSeconds(60));
        var request = Guid.NewGuid();

        Assert.True(requests.IsFirst(request, 0, HybridTimestamp.Compose(StartMs, 0)));
        Assert.False(requests.IsFirst(request, 0, HybridTimestamp.Compose(StartMs + 60_000, 0)));
        Assert.True(requests.IsFirst(Guid.Empty, 0, HybridTimestamp.Compose(StartMs + 60_001, 0)));
        Assert.Equal(0, requests.Count);
    }

    [Fact]
    public void IsFirst_WhenARequestWasSplitIntoATransaction_AcceptsItsMessagesAndNotAnotherCopy()
    {
        var requests = new RequestDeduplicator(TimeSpan.FromSeconds(60));
        var request = Guid.NewGuid();
        var ts = HybridTimestamp.Compose(StartMs, 0);

        Assert.Equal([true, true, false, false], new[] { (7L, ts), (7L, ts), (9L, ts), (0L, ts) }.Select(m => requests.IsFirst(request, m.Item1, m.Item2)));
    }

    private List<LoggedMessage> Feed(params LoggedMessage[] messages) => [.. messages.SelectMany(_filter.Accept)];

    private LoggedMessage Msg(long ms, MessageKind kind, string vchannel, long txn = 0, Guid request = default)
    {
        var id = _id++;
        return new LoggedMessage(id, id + 1, HybridTimestamp.Compose(StartMs + ms, (ulong)id), new WalMessage(kind, vchannel, 1, TxnId: txn, RequestId: request));
    }
}
