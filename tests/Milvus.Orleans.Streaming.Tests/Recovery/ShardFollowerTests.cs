using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Milvus.Orleans.History.Checkpoints;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Streaming.Recovery;
using Milvus.Orleans.Streaming.Tests.Collections;
using Milvus.Orleans.Streaming.Wal;
using Milvus.Orleans.Wal.Storage;
using Orleans.Serialization;

namespace Milvus.Orleans.Streaming.Tests.Recovery;

/// <summary>A read replica's follower of a log in memory storage: what it keeps of its shard, what history covers, and a truncation past it.</summary>
public sealed class ShardFollowerTests
{
    private const string PChannel = "mo-rootcoord-dml_0";
    private const string Mine = "mo-rootcoord-dml_0_1v0";
    private const string Other = "mo-rootcoord-dml_0_2v0";
    private const long Partition = 11;
    private static readonly CollectionInfo Collection = new(1, TestRows.Schema("c1", shards: 1), [Mine], ["_default"], CollectionState.Ready, [Partition]);
    private readonly MemoryWalStorage _storage = new();
    private readonly MessageCodec _codec = new(new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer<WalMessage>>());
    private ulong _ts = HybridTimestamp.Compose(1_000, 0).Value;

    [Fact]
    public async Task Snapshot_AfterWritesOfTwoShards_HoldsOnlyItsShardsRowsAndDeletes()
    {
        var ct = TestContext.Current.CancellationToken;
        var writer = await _storage.OpenWriterAsync(PChannel, 1, ct);
        await AppendAsync(writer, new WalMessage(MessageKind.Insert, Mine, 1, "_default", TestRows.Rows(0, 3)), ct);
        await AppendAsync(writer, new WalMessage(MessageKind.Insert, Other, 2, "_default", TestRows.Rows(100, 2)), ct);
        await AppendAsync(writer, new WalMessage(MessageKind.Upsert, Mine, 1, "_default", TestRows.Rows(1, 1)), ct);
        var last = await AppendAsync(writer, new WalMessage(MessageKind.TimeTick, PChannel, 0), ct);
        await using var follower = Follow(checkpoint: null, []);

        await follower.WaitAppliedAsync(last, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10), ct);
        var snapshot = follower.Snapshot(deletesTaken: 0);

        var growing = Assert.Single(snapshot.Growing);
        Assert.Equal(Partition, growing.Key.PartitionId);
        Assert.Equal([0L, 1, 2, 1], growing.Batches.SelectMany(b => TestRows.Keys(b.Rows)));
        var deletes = Assert.Single(snapshot.Deletes);
        Assert.Equal([1L], (long[])deletes.Keys.Values);
        Assert.Equal(last, snapshot.Applied);
        Assert.Empty(follower.Snapshot(deletesTaken: deletes.Seq).Deletes);
    }

    [Fact]
    public async Task Cover_WhenHistoryHoldsThePartitionsFirstRecords_DropsTheirRowsAndNeverTakesThemAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var writer = await _storage.OpenWriterAsync(PChannel, 1, ct);
        await AppendAsync(writer, new WalMessage(MessageKind.Insert, Mine, 1, "_default", TestRows.Rows(0, 2)), ct);
        await AppendAsync(writer, new WalMessage(MessageKind.Insert, Mine, 1, "_default", TestRows.Rows(2, 2)), ct);
        await AppendAsync(writer, new WalMessage(MessageKind.Insert, Mine, 1, "_default", TestRows.Rows(4, 2)), ct);
        var third = await AppendAsync(writer, new WalMessage(MessageKind.Insert, Mine, 1, "_default", TestRows.Rows(6, 2)), ct);
        var ends = await EndsAsync(ct);
        // History held the first record when the follower started, and the first three once it had read them all.
        await using var follower = Follow(checkpoint: null, [Manifest(endPosition: ends[0])]);
        await follower.WaitAppliedAsync(third, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10), ct);
        var before = Keys(follower);

        follower.Cover(Partition, ends[2]);

        Assert.Equal([2L, 3, 4, 5, 6, 7], before);
        Assert.Equal([6L, 7], Keys(follower));
    }

    [Fact]
    public async Task WaitAppliedAsync_WhenTheLogWasTruncatedPastTheFollowersStart_FailsAndTheFollowerIsBehind()
    {
        var ct = TestContext.Current.CancellationToken;
        var writer = await _storage.OpenWriterAsync(PChannel, 1, ct);
        await AppendAsync(writer, new WalMessage(MessageKind.Insert, Mine, 1, "_default", TestRows.Rows(0, 2)), ct);
        var last = await AppendAsync(writer, new WalMessage(MessageKind.Insert, Mine, 1, "_default", TestRows.Rows(2, 2)), ct);
        var ends = await EndsAsync(ct);
        await writer.TruncateAsync(new WalPosition(ends[0]), ct);
        await using var follower = Follow(checkpoint: null, []);

        var error = await Assert.ThrowsAsync<MilvusException>(() => follower.WaitAppliedAsync(last, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10), ct));

        Assert.Equal(ErrorCode.ChannelNotReady, error.Code);
        Assert.True(follower.Behind);
        Assert.Empty(follower.Snapshot(0).Growing);
    }

    private ShardFollower Follow(PChannelCheckpoint? checkpoint, IEnumerable<SegmentManifest> inHistory) =>
        new(Mine, Collection, checkpoint, inHistory, new FollowerServices(_storage, _codec, TimeProvider.System, NullLogger.Instance));

    private static SegmentManifest Manifest(long endPosition) =>
        new(SegmentManifest.CurrentFormat, 1, Partition, 1, PChannel, 0, 0, 0, 0, endPosition, [], [], Mine);

    private static long[] Keys(ShardFollower follower) =>
        [.. follower.Snapshot(0).Growing.SelectMany(g => g.Batches).SelectMany(b => TestRows.Keys(b.Rows))];

    /// <summary>Appends <paramref name="message"/> at the next timestamp and returns it.</summary>
    private async Task<HybridTimestamp> AppendAsync(IWalWriter writer, WalMessage message, CancellationToken ct)
    {
        var ts = new HybridTimestamp(_ts += 1UL << 18);
        await writer.AppendAsync([_codec.Encode(ts, message)], ct);
        return ts;
    }

    /// <summary>Where each record of the log ends.</summary>
    private async Task<long[]> EndsAsync(CancellationToken ct) =>
        [.. (await _storage.ReadAsync(PChannel, WalPosition.Start, follow: false, ct).ToListAsync(ct)).Select(r => r.Next.Value)];
}
