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

        // Both at the commit's id and timestamp, numbered; resuming after the first re-reads the transaction from
        // its begin, after the last past the commit.
        Assert.Equal([(3L, 1), (3L, 2)], passed.Select(m => (m.Id, m.Part)));
        Assert.Equal([Ts(3), Ts(3)], passed.Select(m => m.Ts));
        Assert.Equal([0L, 4], passed.Select(m => m.Next));
        Assert.Equal(0, _filter.OpenTransactions);
    }

    [Fact]
    public void Accept_WhenTransactionsInterleaveWithPlainWrites_PassesEachAtItsCommitAndResumesAtTheEarliestOpenBegin()
    {
        var passed = Feed(
            Msg(0, MessageKind.BeginTxn, Mine, txn: 1),
            Msg(1, MessageKind.BeginTxn, Mine, txn: 2),
            Msg(2, MessageKind.Insert, Mine, txn: 1),
            Msg(3, MessageKind.Insert, Mine),
            Msg(4, MessageKind.Delete, Mine, txn: 2),
            Msg(5, MessageKind.CommitTxn, Mine, txn: 2),
            Msg(6, MessageKind.TimeTick, string.Empty),
            Msg(7, MessageKind.CommitTxn, Mine, txn: 1));

        Assert.Equal([(3L, 0), (5L, 1), (6L, 0), (7L, 1)], passed.Select(m => (m.Id, m.Part)));
        Assert.Equal([MessageKind.Insert, MessageKind.Delete, MessageKind.TimeTick, MessageKind.Insert], passed.Select(m => m.Message.Kind));
        Assert.Equal([Ts(3), Ts(5), Ts(6), Ts(7)], passed.Select(m => m.Ts));
        // Transaction 1, begun at 0, stays open until 7: nothing passed before its commit may resume past its begin.
        Assert.Equal([0L, 0, 0, 8], passed.Select(m => m.Next));
    }

    [Fact]
    public void Accept_WhenResumedAfterAnyPassedMessage_PassesExactlyWhatFollowedIt()
    {
        LoggedMessage[] log =
        [
            Msg(0, MessageKind.BeginTxn, Mine, txn: 1),
            Msg(1, MessageKind.Insert, Mine, txn: 1),
            Msg(2, MessageKind.BeginTxn, Mine, txn: 2),
            Msg(3, MessageKind.Insert, Mine),
            Msg(4, MessageKind.Insert, Mine, txn: 2),
            Msg(5, MessageKind.Insert, Mine, txn: 1),
            Msg(6, MessageKind.TimeTick, string.Empty),
            Msg(7, MessageKind.CommitTxn, Mine, txn: 1),
            Msg(8, MessageKind.Insert, Mine, txn: 2),
            Msg(9, MessageKind.Insert, Other),
            Msg(10, MessageKind.CommitTxn, Mine, txn: 2),
            Msg(11, MessageKind.Delete, Mine),
        ];
        var all = Feed(log);

        for (var i = 0; i < all.Count; i++)
        {
            var resumed = new VChannelMessageFilter(Mine, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60));
            var after = log.Where(m => m.Id >= all[i].Next).SelectMany(resumed.Accept).Where(m => m.Follows(all[i].Id, all[i].Part));
            Assert.Equal(all.Skip(i + 1), after);
        }
    }

    [Fact]
    public void Accept_WhenKeepAlivesArrive_KeepsTheTransactionOpenWithoutPassingThem()
    {
        var passed = Feed(
            Msg(0, MessageKind.BeginTxn, Mine, txn: 7),
            Msg(1, MessageKind.Insert, Mine, txn: 7),
            Msg(8_000, MessageKind.TxnKeepAlive, Mine, txn: 7),
            Msg(16_000, MessageKind.TxnKeepAlive, Mine, txn: 7),
            Msg(17_000, MessageKind.TimeTick, string.Empty),
            Msg(20_000, MessageKind.CommitTxn, Mine, txn: 7));

        Assert.Equal([MessageKind.TimeTick, MessageKind.Insert], passed.Select(m => m.Message.Kind));
    }

    [Fact]
    public void Accept_WhenTheBeginCarriesAKeepAlive_ExpiresTheTransactionByIt()
    {
        var passed = Feed(
            new LoggedMessage(0, 1, Ts(0), new WalMessage(MessageKind.BeginTxn, Mine, 1, TxnId: 7, TxnKeepAliveMs: 2_000)),
            Msg(1, MessageKind.Insert, Mine, txn: 7),
            Msg(2_002, MessageKind.TimeTick, string.Empty),
            Msg(2_003, MessageKind.CommitTxn, Mine, txn: 7));

        Assert.Equal([MessageKind.TimeTick], passed.Select(m => m.Message.Kind));
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

    private static HybridTimestamp Ts(long ms) => HybridTimestamp.Compose(StartMs + ms, 0);

    private LoggedMessage Msg(long ms, MessageKind kind, string vchannel, long txn = 0, Guid request = default)
    {
        var id = _id++;
        return new LoggedMessage(id, id + 1, Ts(ms), new WalMessage(kind, vchannel, 1, TxnId: txn, RequestId: request));
    }
}
