using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Streaming.Tests.Collections;

namespace Milvus.Orleans.Streaming.Tests.Subscriptions;

public sealed class SubscriptionTests() : ClusterTests(2)
{
    [Fact]
    public async Task SubscribeAsync_FromEarliest_DeliversTheCreateAndEveryInsertInTimestampOrderWithTicks()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("subs", shards: 1), ct);
        var results = new List<WriteResult>();
        for (var i = 0; i < 5; i++)
        {
            results.Add(await client.InsertAsync("subs", TestRows.Rows(i * 10, 10), cancellationToken: ct));
        }

        var received = await TakeAsync(client.SubscribeAsync(info.VChannels[0], SubscriptionStart.Earliest, ct), 6, ct);

        Assert.Equal([MessageKind.CreateCollection, .. Enumerable.Repeat(MessageKind.Insert, 5)], received.Select(m => m.Message.Kind));
        Assert.Equal(results.Select(r => r.Ts), received.Skip(1).Select(m => m.Ts));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), received.Skip(1).SelectMany(m => TestRows.Keys(m.Message.Rows!)));
    }

    [Fact]
    public async Task SubscribeAsync_FromLatest_DeliversOnlyLaterMessagesAndTicksWhenIdle()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("later", shards: 1), ct);
        await client.InsertAsync("later", TestRows.Rows(0, 3), cancellationToken: ct);
        var subscription = client.SubscribeAsync(info.VChannels[0], SubscriptionStart.Latest, ct).GetAsyncEnumerator(ct);
        // The first tick proves the subscription is reading before the insert.
        Assert.True(await subscription.MoveNextAsync());
        Assert.Equal(MessageKind.TimeTick, subscription.Current.Message.Kind);

        var written = await client.InsertAsync("later", TestRows.Rows(100, 3), cancellationToken: ct);

        LoggedMessage received;
        do
        {
            Assert.True(await subscription.MoveNextAsync());
            received = subscription.Current;
        }
        while (received.Message.Kind == MessageKind.TimeTick);

        Assert.Equal(written.Ts, received.Ts);
        Assert.Equal([100L, 101, 102], TestRows.Keys(received.Message.Rows!));
        await subscription.DisposeAsync();
    }

    [Fact]
    public async Task SubscribeCollectionAsync_WhenABatchIsSplitIntoATransaction_DeliversItWholeAndResumesInsideIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        await client.CreateCollectionAsync(new CollectionSchema("big", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", 1024)], ShardCount: 1), ct);
        var keys = Enumerable.Range(0, 1500).Select(i => (long)i).ToArray();
        await client.InsertAsync("big", new RowBatch([FieldColumn.Int64("id", keys), FieldColumn.FloatVector("vec", 1024, new float[1500 * 1024])]), cancellationToken: ct);

        var received = await TakeAsync(client.SubscribeCollectionAsync("big", SubscriptionStart.Earliest, ct), 4, ct);
        var inserts = received.Skip(1).ToList();
        // Resuming after the second chunk re-reads the transaction from its begin and yields only what follows.
        var resumed = await TakeAsync(client.SubscribeAsync(inserts[1].Message.VChannel, SubscriptionStart.After(inserts[1]), ct), 1, ct);

        Assert.Equal(MessageKind.CreateCollection, received[0].Message.Kind);
        Assert.All(inserts, m => Assert.Equal(MessageKind.Insert, m.Message.Kind));
        Assert.Equal(keys, inserts.SelectMany(m => TestRows.Keys(m.Message.Rows!)));
        Assert.Equal(inserts[0].Message.TxnId, inserts[^1].Message.TxnId);
        Assert.NotEqual(0, inserts[0].Message.TxnId);
        Assert.Equal(inserts[2].Id, resumed[0].Id);
    }

    /// <summary>Every message, ticks included, up to and including the first that <paramref name="last"/> picks.</summary>
    internal static async Task<List<LoggedMessage>> TakeUntilAsync(IAsyncEnumerable<LoggedMessage> messages, Func<LoggedMessage, bool> last, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var taken = new List<LoggedMessage>();
        await foreach (var message in messages.WithCancellation(timeout.Token))
        {
            taken.Add(message);
            if (last(message))
            {
                return taken;
            }
        }

        return taken;
    }

    /// <summary>The first <paramref name="count"/> messages that are not time ticks.</summary>
    internal static async Task<List<LoggedMessage>> TakeAsync(IAsyncEnumerable<LoggedMessage> messages, int count, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var taken = new List<LoggedMessage>();
        await foreach (var message in messages.WithCancellation(timeout.Token))
        {
            if (message.Message.Kind != MessageKind.TimeTick)
            {
                taken.Add(message);
            }

            if (taken.Count == count)
            {
                break;
            }
        }

        return taken;
    }
}
