using Milvus.Orleans.Data;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Streaming.Configuration;
using Milvus.Orleans.Streaming.Recovery;
using Milvus.Orleans.Streaming.Tests.Collections;

namespace Milvus.Orleans.Streaming.Tests.Recovery;

public sealed class ChannelHistoryTests
{
    private const string PChannel = "mo-rootcoord-dml_0";
    private const string First = "mo-rootcoord-dml_0_1v0";
    private const string Second = "mo-rootcoord-dml_0_2v0";
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly SealPolicy Policy = new(new SegmentOptions());
    private static readonly CollectionInfo One = Collection(1, First);
    private static readonly CollectionInfo Two = Collection(2, Second);
    private readonly List<LoggedMessage> _log = [];

    [Fact]
    public void Take_WhenOneVChannelIsFlushed_SealsOnlyItsSegmentsWithTheTimestampOfTheirFirstMessageAsId()
    {
        Log(First, MessageKind.Insert, 1, rows: TestRows.Rows(0, 3));
        Log(Second, MessageKind.Insert, 2, rows: TestRows.Rows(100, 2));
        Log(First, MessageKind.Delete, 1, keys: PrimaryKeys.Of(1L));
        Log(First, MessageKind.Flush, 1);

        var (history, sealedSegments) = Replay(null, _log);

        var segment = Assert.Single(sealedSegments);
        Assert.Equal(new SegmentKey(1, 11, (long)_log[0].Ts.Value), segment.Key);
        Assert.Equal([0L, 1, 2], TestRows.Keys(segment.Rows));
        Assert.Equal([1L], (long[])segment.DeletedKeys.Values);
        Assert.True(history.TryGetFlush(First, _log[3].Id, out var flushed));
        Assert.Equal([segment.Key.SegmentId], flushed);
        Assert.Equal(TestRows.Rows(100, 2).EstimatedBytes + 16, history.GrowingBytes);
    }

    [Fact]
    public void Checkpoint_WhenAPartitionWasSealedWhileAnotherGrows_ReplayRebuildsOnlyTheGrowingOne()
    {
        Log(Second, MessageKind.Insert, 2, rows: TestRows.Rows(100, 2));
        Log(First, MessageKind.Insert, 1, rows: TestRows.Rows(0, 3));
        Log(First, MessageKind.Flush, 1);
        Log(First, MessageKind.Insert, 1, rows: TestRows.Rows(3, 1));
        var (before, _) = Replay(null, _log);

        var checkpoint = before.Checkpoint(term: 4);

        // Replay starts at the growing segment of the second collection, and skips what the first one's flush holds.
        Assert.Equal(_log[0].Id, checkpoint.Position);
        var persisted = Assert.Single(checkpoint.Persisted!);
        Assert.Equal((First, 11L, _log[1].Id, 0), (persisted.VChannel, persisted.PartitionId, persisted.Id, persisted.Part));
        Log(First, MessageKind.Flush, 1);
        Log(Second, MessageKind.Flush, 2);
        var (_, afterRestart) = Replay(checkpoint, _log.Where(m => m.Id >= checkpoint.Position));
        Assert.Equal(["1: 3", "2: 100,101"], afterRestart.Select(s => $"{s.Key.CollectionId}: {string.Join(',', TestRows.Keys(s.Rows))}"));
    }

    [Fact]
    public void Take_WhenTheSameLogIsTakenTwice_SealsTheSameSegments()
    {
        for (var i = 0; i < 30; i++)
        {
            Log(i % 3 == 0 ? Second : First, i % 7 == 6 ? MessageKind.Flush : MessageKind.Insert, i % 3 == 0 ? 2 : 1, rows: i % 7 == 6 ? null : TestRows.Rows(i * 10, 2));
        }

        var (_, once) = Replay(null, _log);
        var (_, again) = Replay(null, _log);

        Assert.Equal(once.Select(s => (s.Key, s.Rows.RowCount)), again.Select(s => (s.Key, s.Rows.RowCount)));
        Assert.Equal(4, once.Count);
    }

    [Fact]
    public void Take_WhenTheCollectionIsDropped_DiscardsWhatGrewAndSkipsLaterData()
    {
        Log(First, MessageKind.Insert, 1, rows: TestRows.Rows(0, 3));
        _log.Add(Next(new WalMessage(MessageKind.DropCollection, First, 1, Collection: One with { State = CollectionState.Dropped })));
        Log(First, MessageKind.Insert, 1, rows: TestRows.Rows(3, 1));
        Log(First, MessageKind.Flush, 1);

        var (history, sealedSegments) = Replay(null, _log);

        Assert.Empty(sealedSegments);
        Assert.Equal(1, history.Skipped);
        Assert.Equal(0, history.GrowingBytes);
        Assert.Equal(_log[^1].Next, history.Checkpoint(1).Position);
    }

    [Fact]
    public void Checkpoint_WhileATransactionIsOpen_StartsReplayAtItsBegin()
    {
        Log(First, MessageKind.Insert, 1, rows: TestRows.Rows(0, 1));
        Log(First, MessageKind.Flush, 1);
        _log.Add(Next(new WalMessage(MessageKind.BeginTxn, First, 1, TxnId: 9)));
        _log.Add(Next(new WalMessage(MessageKind.Insert, First, 1, "_default", TestRows.Rows(1, 2), TxnId: 9)));
        var (before, _) = Replay(null, _log);
        var checkpoint = before.Checkpoint(1);
        _log.Add(Next(new WalMessage(MessageKind.CommitTxn, First, 1, TxnId: 9)));
        Log(First, MessageKind.Flush, 1);

        var (_, afterRestart) = Replay(checkpoint, _log.Where(m => m.Id >= checkpoint.Position));

        Assert.Equal(_log[2].Id, checkpoint.Position);
        Assert.Equal([1L, 2], TestRows.Keys(Assert.Single(afterRestart).Rows));
    }

    private static (ChannelHistory History, List<SealedSegment> Sealed) Replay(History.Checkpoints.PChannelCheckpoint? checkpoint, IEnumerable<LoggedMessage> log)
    {
        var history = new ChannelHistory(PChannel, Policy, checkpoint);
        var sealedSegments = new List<SealedSegment>();
        foreach (var message in log)
        {
            if (history.Unknown(message) is { } id)
            {
                history.Learn(id, id == 1 ? One : Two);
            }

            sealedSegments.AddRange(history.Take(message, Now));
            history.Written();
        }

        return (history, sealedSegments);
    }

    private static CollectionInfo Collection(long id, string vchannel) =>
        new(id, TestRows.Schema($"c{id}", shards: 1), [vchannel], ["_default"], CollectionState.Ready, [id * 11]);

    private void Log(string vchannel, MessageKind kind, long collectionId, RowBatch? rows = null, PrimaryKeys? keys = null) =>
        _log.Add(Next(new WalMessage(kind, vchannel, collectionId, kind == MessageKind.Flush ? null : "_default", rows, keys)));

    private LoggedMessage Next(WalMessage message)
    {
        var id = _log.Count == 0 ? 0 : _log[^1].Next;
        return new LoggedMessage(id, id + 100, HybridTimestamp.Compose(1_000 + _log.Count, 0), message);
    }
}
