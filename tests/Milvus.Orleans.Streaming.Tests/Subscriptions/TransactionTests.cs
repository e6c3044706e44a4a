using Microsoft.Extensions.Time.Testing;
using Milvus.Orleans.Channels;
using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Streaming.Tests.Collections;

namespace Milvus.Orleans.Streaming.Tests.Subscriptions;

public sealed class TransactionTests() : ClusterTests(2)
{
    [Fact]
    public async Task CommitAsync_WhenTwoTransactionsInterleaveWithPlainWrites_DeliversEachWholeAtItsCommit()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("txn", shards: 1), ct);
        await using var first = await client.BeginTransactionAsync("txn", cancellationToken: ct);
        await using var second = await client.BeginTransactionAsync("txn", cancellationToken: ct);

        await first.InsertAsync(TestRows.Rows(1, 3), cancellationToken: ct);
        var plain = await client.InsertAsync("txn", TestRows.Rows(100, 1), cancellationToken: ct);
        await second.InsertAsync(TestRows.Rows(10, 3), cancellationToken: ct);
        // Over Message:MaxBytes (2 MB): split into chunks that join the transaction.
        await first.InsertAsync(TestRows.Rows(1_000, 40_000), cancellationToken: ct);
        await second.DeleteAsync(PrimaryKeys.Of(100L), cancellationToken: ct);
        var secondCommit = await second.CommitAsync(ct);
        var firstCommit = await first.CommitAsync(ct);

        // A tick after the last commit: everything before it was delivered.
        var received = await SubscriptionTests.TakeUntilAsync(
            client.SubscribeAsync(info.VChannels[0], SubscriptionStart.Earliest, ct), m => m.Message.Kind == MessageKind.TimeTick && m.Ts > firstCommit.Ts, ct);

        var data = received.Where(m => m.Message.Kind != MessageKind.TimeTick).Skip(1).ToList();
        Assert.Equal(plain.Ts, data[0].Ts);
        Assert.Equal([MessageKind.Insert, MessageKind.Delete], data.Skip(1).TakeWhile(m => m.Ts == secondCommit.Ts).Select(m => m.Message.Kind));
        Assert.Equal([10L, 11, 12], TestRows.Keys(data[1].Message.Rows!));
        var firstParts = data.Where(m => m.Ts == firstCommit.Ts).ToList();
        Assert.Equal(data.Count - 3, firstParts.Count);
        Assert.True(firstParts.Count > 2, $"the big insert should be split, got {firstParts.Count} parts");
        Assert.Equal(Enumerable.Range(1, firstParts.Count), firstParts.Select(m => m.Part));
        Assert.Equal([1L, 2, 3, .. Enumerable.Range(1_000, 40_000).Select(k => (long)k)], firstParts.SelectMany(m => TestRows.Keys(m.Message.Rows!)));
        Assert.Equal(40_003, firstCommit.Count);
        Assert.Equal(4, secondCommit.Count);
        Assert.True(plain.Ts < secondCommit.Ts && secondCommit.Ts < firstCommit.Ts);
    }

    [Fact]
    public async Task DisposeAsync_WhenNotCommitted_RollsBackSoSubscribersSeeNothingOfIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("rollback", shards: 1), ct);
        await using (var txn = await client.BeginTransactionAsync("rollback", cancellationToken: ct))
        {
            await txn.InsertAsync(TestRows.Rows(1, 3), cancellationToken: ct);
        }

        var explicitly = await client.BeginTransactionAsync("rollback", cancellationToken: ct);
        await explicitly.InsertAsync(TestRows.Rows(5, 3), cancellationToken: ct);
        await explicitly.RollbackAsync(ct);
        var after = await client.InsertAsync("rollback", TestRows.Rows(50, 1), cancellationToken: ct);

        var received = await SubscriptionTests.TakeAsync(client.SubscribeAsync(info.VChannels[0], SubscriptionStart.Earliest, ct), 2, ct);

        Assert.Equal([MessageKind.CreateCollection, MessageKind.Insert], received.Select(m => m.Message.Kind));
        Assert.Equal(after.Ts, received[1].Ts);
        await Assert.ThrowsAsync<InvalidOperationException>(() => explicitly.InsertAsync(TestRows.Rows(9, 1), cancellationToken: ct));
    }

    [Fact]
    public async Task CommitAsync_WhenTheClientSentNoKeepAlivesForLongerThanTheKeepAlive_FailsAndSubscribersSeeNothingOfIt()
    {
        var ct = TestContext.Current.CancellationToken;
        // A client on a clock that never moves sends no keep-alives: it looks dead to the service.
        var silent = new MilvusClient(TestCluster.Cluster.Client, new FakeTimeProvider(DateTimeOffset.UtcNow));
        var info = await silent.CreateCollectionAsync(TestRows.Schema("expiry", shards: 1), ct);
        var txn = await silent.BeginTransactionAsync("expiry", keepAlive: TimeSpan.FromSeconds(1), cancellationToken: ct);
        var written = await txn.InsertAsync(TestRows.Rows(1, 3), cancellationToken: ct);
        var deadline = written.Ts.PhysicalMs + 1_000;

        // Waits on the log, not the clock: until a tick proves more than the keep-alive went by.
        var waited = await SubscriptionTests.TakeUntilAsync(TestCluster.Client.SubscribeAsync(info.VChannels[0], SubscriptionStart.Earliest, ct), m => m.Ts.PhysicalMs > deadline, ct);
        var error = await Assert.ThrowsAsync<MilvusException>(() => txn.CommitAsync(ct));
        var after = await TestCluster.Client.InsertAsync("expiry", TestRows.Rows(50, 1), cancellationToken: ct);
        var received = await SubscriptionTests.TakeAsync(TestCluster.Client.SubscribeAsync(info.VChannels[0], SubscriptionStart.Earliest, ct), 2, ct);

        Assert.Equal(ErrorCode.TransactionExpired, error.Code);
        Assert.Contains("keep-alive of 1 s", error.Message, StringComparison.Ordinal);
        Assert.Equal([MessageKind.CreateCollection, MessageKind.Insert], received.Select(m => m.Message.Kind));
        Assert.Equal(after.Ts, received[1].Ts);
        Assert.Equal(MessageKind.TimeTick, waited[^1].Message.Kind);
    }

    [Fact]
    public async Task CommitAsync_WhenOpenLongerThanTheKeepAliveWithKeepAlivesSent_Succeeds()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("alive", shards: 1), ct);
        // 3 s, kept alive every second: a loaded 2-core CI machine once delayed a keep-alive past a 1 s keep-alive.
        await using var txn = await client.BeginTransactionAsync("alive", keepAlive: TimeSpan.FromSeconds(3), cancellationToken: ct);
        var written = await txn.InsertAsync(TestRows.Rows(1, 3), cancellationToken: ct);
        var deadline = written.Ts.PhysicalMs + 7_500;

        await SubscriptionTests.TakeUntilAsync(client.SubscribeAsync(info.VChannels[0], SubscriptionStart.Earliest, ct), m => m.Ts.PhysicalMs > deadline, ct);
        var committed = await txn.CommitAsync(ct);
        var received = await SubscriptionTests.TakeAsync(client.SubscribeAsync(info.VChannels[0], SubscriptionStart.Earliest, ct), 2, ct);

        Assert.Equal(3, committed.Count);
        Assert.Equal(committed.Ts, received[1].Ts);
        Assert.Equal([1L, 2, 3], TestRows.Keys(received[1].Message.Rows!));
    }

    [Fact]
    public async Task Transaction_WhenGivenBadInput_FailsWithItsCodeAndWritesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("txnbad", shards: 2), ct);
        await using var txn = await client.BeginTransactionAsync("txnbad", shard: 0, cancellationToken: ct);
        var otherShardKey = Enumerable.Range(0, 100).First(k => ShardRouter.ShardsOf(new long[] { k }, 2)[0] == 1);
        var vchannel = TestCluster.Cluster.Client.GetGrain<IVChannelGrain>(info.VChannels[0]);

        var wrongShard = await Assert.ThrowsAsync<MilvusException>(() => txn.InsertAsync(TestRows.Rows(otherShardKey, 1), cancellationToken: ct));
        var noShard = await Assert.ThrowsAsync<MilvusException>(() => client.BeginTransactionAsync("txnbad", shard: 2, cancellationToken: ct));
        var keepAlive = await Assert.ThrowsAsync<MilvusException>(() => client.BeginTransactionAsync("txnbad", keepAlive: TimeSpan.FromMilliseconds(10), cancellationToken: ct));
        var unknown = await Assert.ThrowsAsync<MilvusException>(() => vchannel.CommitTransactionAsync(12345, Guid.NewGuid()));
        var unknownWrite = await Assert.ThrowsAsync<MilvusException>(() => vchannel.InsertAsync(info.Id, "_default", TestRows.Rows(0, 1), Guid.NewGuid(), 12345));

        Assert.Equal((ErrorCode.InvalidArgument, ErrorCode.InvalidArgument, ErrorCode.InvalidArgument), (wrongShard.Code, noShard.Code, keepAlive.Code));
        Assert.Contains($"covers shard 0 only", wrongShard.Message, StringComparison.Ordinal);
        Assert.Contains("shards 0..1, not 2", noShard.Message, StringComparison.Ordinal);
        Assert.Contains("allowed 00:00:01..01:00:00", keepAlive.Message, StringComparison.Ordinal);
        Assert.Equal((ErrorCode.TransactionNotFound, ErrorCode.TransactionNotFound), (unknown.Code, unknownWrite.Code));
        Assert.Contains("Transaction 12345 is not open", unknown.Message, StringComparison.Ordinal);
    }
}
