using Milvus.Orleans.Grains;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Streaming.Tests.Collections;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Streaming.Tests.Recovery;

/// <summary>
/// A client request logged twice (its first attempt was durable, its reply lost, and a retry was logged too) is applied
/// once, even when a checkpoint lies between the copies and the log is replayed from it; and a retried AutoId insert
/// answers with the keys its first copy stored, also after every silo restarted. Rows are counted as they are, never
/// through a distinct set.
/// </summary>
// The twin on the blob WAL runs after this class, not beside it: two clusters at once load the 2-core CI machine.
[Collection(nameof(ExactlyOnceTests))]
public class ExactlyOnceTests : ClusterTests
{
    public ExactlyOnceTests()
        : this(null)
    {
    }

    protected ExactlyOnceTests(IReadOnlyDictionary<string, string?>? settings)
        : base(1, settings)
    {
    }

    [Fact]
    public async Task Replay_WhenTheCopiesOfARetriedWriteStraddleACheckpoint_AppliesItOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("straddle", shards: 1), ct);
        var vchannel = info.VChannels[0];
        var request = Guid.NewGuid();
        await TestCluster.Cluster.Client.GetGrain<IVChannelGrain>(vchannel).InsertAsync(info.Id, "_default", TestRows.Rows(0, 10), request);

        // A checkpoint past the first copy, then the retried copy in the log, as a retry on a new owner logs it.
        await client.FlushAsync("straddle", ct);
        await TestCluster.SiloGrains.GetGrain<IWalGrain>(Channels.ChannelNames.PChannelOf(vchannel))
            .AppendAsync([new WalMessage(MessageKind.Insert, vchannel, info.Id, "_default", TestRows.Rows(0, 10), RequestId: request)]);
        await client.InsertAsync("straddle", TestRows.Rows(10, 10), cancellationToken: ct);
        await TestCluster.RestartAsync(cancellationToken: ct);
        await TestCluster.Client.FlushAsync("straddle", ct);

        var history = await HistoryContents.ReadAsync(TestCluster.History, info, ct);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), history.Rows.Select(r => r.Key).Order());
        Assert.Equal(20L, await TestCluster.Client.CountAsync("straddle", consistency: Query.ConsistencyLevel.Strong, cancellationToken: ct));
    }

    [Fact]
    public async Task InsertAsync_WhenAnAutoIdInsertIsRetried_AnswersWithTheKeysItsFirstCopyStored()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("auto", shards: 1, autoId: true), ct);
        var rows = TestRows.Rows(0, 10, withKeys: false);
        var request = Guid.NewGuid();
        IVChannelGrain VChannel() => TestCluster.Cluster.Client.GetGrain<IVChannelGrain>(info.VChannels[0]);

        var first = await VChannel().InsertAsync(info.Id, "_default", rows, request);
        var retried = await VChannel().InsertAsync(info.Id, "_default", rows, request, retry: true);
        var again = await VChannel().InsertAsync(info.Id, "_default", rows, request);
        // After every silo stopped: a new activation on a new owner finds the first copy in the log.
        await TestCluster.RestartAsync(cancellationToken: ct);
        var afterRestart = await VChannel().InsertAsync(info.Id, "_default", rows, request, retry: true);

        Assert.Equal(10, first.AssignedIds!.Length);
        Assert.Equal((first.Count, first.Ts), (retried.Count, retried.Ts));
        Assert.Equal(first.AssignedIds, retried.AssignedIds);
        Assert.Equal(first.AssignedIds, again.AssignedIds);
        Assert.Equal((first.Count, first.Ts), (afterRestart.Count, afterRestart.Ts));
        Assert.Equal(first.AssignedIds, afterRestart.AssignedIds);
        var stored = await TestCluster.Client.QueryAsync("auto", null, new Client.QueryParameters(Limit: 100, Consistency: Query.ConsistencyLevel.Strong), ct);
        Assert.Equal(first.AssignedIds.Order(), (long[])stored.Column("id")!.Values);
    }
}

/// <summary>The same, with the WAL in append blobs.</summary>
[Collection(nameof(ExactlyOnceTests))]
public sealed class ExactlyOnceOnBlobWalTests() : ExactlyOnceTests(InProcessMilvusCluster.BlobWal);
