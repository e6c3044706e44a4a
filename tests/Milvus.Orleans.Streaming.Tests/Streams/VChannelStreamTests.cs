using Milvus.Orleans.Channels;
using Milvus.Orleans.Data;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Streaming.Tests.Collections;

namespace Milvus.Orleans.Streaming.Tests.Streams;

public sealed class VChannelStreamTests() : ClusterTests(2, OrleansStreams)
{
    /// <summary>The provider is off by default.</summary>
    internal static readonly Dictionary<string, string?> OrleansStreams = new() { ["Milvus:Streaming:OrleansStreams"] = "true" };

    [Fact]
    public async Task SubscribeAsync_FromTheDurableEnd_DeliversExactlyTheLaterMessagesOnceInOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("end", shards: 1), ct);
        await client.InsertAsync("end", TestRows.Rows(1_000, 1), cancellationToken: ct);
        var state = await TestCluster.Cluster.Client.GetGrain<IWalGrain>(ChannelNames.PChannelOf(info.VChannels[0])).GetStateAsync();
        var probe = TestCluster.Cluster.Client.GetGrain<IStreamProbeGrain>("end");
        await probe.SubscribeAsync(info.VChannels[0], VChannelSequenceToken.From(state.DurableEnd));

        var written = new List<WriteResult>();
        for (var i = 0; i < 3; i++)
        {
            written.Add(await client.InsertAsync("end", TestRows.Rows(i * 10, 10), cancellationToken: ct));
        }

        var received = await ReceivedAsync(probe, 3, ct);
        var tokens = await probe.GetTokensAsync();

        Assert.Equal(written.Select(w => w.Ts), received.Select(m => m.Ts));
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), received.SelectMany(m => TestRows.Keys(m.Message.Rows!)));
        Assert.Equal(received.Select(m => (m.Id, m.Part)), tokens.Select(t => (t.SequenceNumber, t.EventIndex)));
        Assert.Equal(received.Select(m => m.Next), tokens.Select(t => t.Resume));
    }

    [Fact]
    public async Task SubscribeAsync_WithoutAPosition_DeliversEverythingAfterSomePointOnceInOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("live", shards: 1), ct);
        var all = TestCluster.Cluster.Client.GetGrain<IStreamProbeGrain>("all");
        await all.SubscribeAsync(info.VChannels[0], VChannelSequenceToken.From(0));
        await client.InsertAsync("live", TestRows.Rows(1_000, 1), cancellationToken: ct);
        await ReceivedAsync(all, 2, ct);

        // Orleans sets a subscription without a token up a moment after it is made, from where its agent is then
        // (or from the stream's first message, if the agent had not registered the stream yet): write until it
        // delivers; from then on it must deliver everything, once, in order.
        var live = TestCluster.Cluster.Client.GetGrain<IStreamProbeGrain>("live");
        await live.SubscribeAsync(info.VChannels[0], null);
        var written = 0;
        var waiting = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            await client.InsertAsync("live", TestRows.Rows(written++ * 10, 10), cancellationToken: ct);
            Assert.True(waiting.Elapsed < TimeSpan.FromSeconds(30), $"the subscription without a token delivered nothing in 30 s ({written} inserts)");
        }
        while ((await live.GetReceivedAsync()).Count == 0);

        await client.InsertAsync("live", TestRows.Rows(written++ * 10, 10), cancellationToken: ct);
        await client.InsertAsync("live", TestRows.Rows(written++ * 10, 10), cancellationToken: ct);

        var received = await ReceivedAsync(all, 2 + written, ct);
        var receivedLive = await ReceivedAsync(live, (await live.GetReceivedAsync()).Count, ct);

        Assert.InRange(receivedLive.Count, 3, received.Count);
        Assert.Equal(received.TakeLast(receivedLive.Count).Select(m => (m.Id, m.Part, m.Ts)), receivedLive.Select(m => (m.Id, m.Part, m.Ts)));
    }

    [Fact]
    public async Task SubscribeAsync_FromTheStartOfTheLog_ReadsEarlierMessagesThenFollowsTheTail()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("rewind", shards: 1), ct);
        var before = new List<WriteResult>();
        for (var i = 0; i < 5; i++)
        {
            before.Add(await client.InsertAsync("rewind", TestRows.Rows(i * 10, 10), cancellationToken: ct));
        }

        await using (var rolledBack = await client.BeginTransactionAsync("rewind", cancellationToken: ct))
        {
            await rolledBack.InsertAsync(TestRows.Rows(500, 5), cancellationToken: ct);
        }

        var probe = TestCluster.Cluster.Client.GetGrain<IStreamProbeGrain>("rewind");
        await probe.SubscribeAsync(info.VChannels[0], VChannelSequenceToken.From(0));
        await ReceivedAsync(probe, 6, ct);
        await using var txn = await client.BeginTransactionAsync("rewind", cancellationToken: ct);
        await txn.InsertAsync(TestRows.Rows(100, 3), cancellationToken: ct);
        await txn.DeleteAsync(PrimaryKeys.Of(0L), cancellationToken: ct);
        var committed = await txn.CommitAsync(ct);
        var after = await client.InsertAsync("rewind", TestRows.Rows(200, 1), cancellationToken: ct);

        var received = await ReceivedAsync(probe, 9, ct);

        Assert.Equal(
            [MessageKind.CreateCollection, .. Enumerable.Repeat(MessageKind.Insert, 6), MessageKind.Delete, MessageKind.Insert],
            received.Select(m => m.Message.Kind));
        Assert.Equal([.. before.Select(w => w.Ts), committed.Ts, committed.Ts, after.Ts], received.Skip(1).Select(m => m.Ts));
        Assert.Equal([1, 2], received.Skip(6).Take(2).Select(m => m.Part));
        Assert.Equal([.. Enumerable.Range(0, 50).Select(i => (long)i), 100, 101, 102, 200], received.Where(m => m.Message.Kind == MessageKind.Insert).SelectMany(m => TestRows.Keys(m.Message.Rows!)));
    }

    private static async Task<IReadOnlyList<LoggedMessage>> ReceivedAsync(IStreamProbeGrain probe, int count, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            var received = await probe.GetReceivedAsync();
            Assert.False(timeout.IsCancellationRequested, $"{probe.GetPrimaryKeyString()}: {count} messages expected in 30 s, got {Describe(received)}");
            if (received.Count >= count)
            {
                // Nothing beyond what was written arrives, and nothing twice.
                await Task.Delay(TimeSpan.FromMilliseconds(300), timeout.Token);
                var settled = await probe.GetReceivedAsync();
                Assert.True(count == settled.Count, $"{probe.GetPrimaryKeyString()}: {count} messages expected, got {Describe(settled)}");
                return settled;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), timeout.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static string Describe(IEnumerable<LoggedMessage> messages) => string.Join(", ", messages.Select(m => $"{m.Message.Kind}@({m.Id},{m.Part})"));
}
