using Milvus.Orleans.Data;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Streaming.Configuration;
using Milvus.Orleans.Streaming.Recovery;
using Milvus.Orleans.Streaming.Tests.Collections;

namespace Milvus.Orleans.Streaming.Tests.Recovery;

public sealed class GrowingSegmentTests
{
    private const string VChannel = "mo-rootcoord-dml_0_1v0";
    private static readonly DateTimeOffset Opened = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private readonly GrowingSegment _segment = new(new SegmentKey(1, 10, 100), VChannel, "mo-rootcoord-dml_0", TestRows.Schema("grow"), Opened);

    [Fact]
    public void Seal_AfterInsertsUpsertsAndDeletes_HoldsEveryRowAndDeleteInLogOrderWithTheirTimestamps()
    {
        _segment.Apply(Logged(0, MessageKind.Insert, 1_000, rows: TestRows.Rows(0, 10)), Opened);
        _segment.Apply(Logged(50, MessageKind.Upsert, 2_000, rows: TestRows.Rows(5, 2)), Opened);
        _segment.Apply(Logged(90, MessageKind.Delete, 3_000, keys: PrimaryKeys.Of(0L)), Opened);
        _segment.Apply(Logged(120, MessageKind.Insert, 4_000, rows: TestRows.Rows(10, 2)), Opened.AddSeconds(5));

        var segment = _segment.Seal();

        Assert.Equal([0L, 1, 2, 3, 4, 5, 6, 7, 8, 9, 5, 6, 10, 11], TestRows.Keys(segment.Rows));
        Assert.Equal([.. Enumerable.Repeat(1_000L, 10), 2_000, 2_000, 4_000, 4_000], segment.Timestamps);
        Assert.Equal([5L, 6, 0], (long[])segment.DeletedKeys.Values);
        Assert.Equal([2_000L, 2_000, 3_000], segment.DeleteTimestamps);
        Assert.Equal(121, segment.EndPosition);
        Assert.Equal(Opened.AddSeconds(5), _segment.LastWriteAt);
        Assert.Equal((float[])TestRows.Rows(5, 2).Column("vec")!.Values, ((float[])segment.Rows.Column("vec")!.Values)[(10 * TestRows.Dimension)..(12 * TestRows.Dimension)]);
    }

    [Fact]
    public void Apply_WhenTheMessageIsNotData_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => _segment.Apply(Logged(0, MessageKind.CreatePartition, 1), Opened));

        Assert.StartsWith("A growing segment takes inserts, upserts and deletes, not CreatePartition.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reason_WhenSizeIdleTimeOrLifetimeIsReached_NamesIt()
    {
        var policy = new SealPolicy(new SegmentOptions { MaxSizeMb = 1, FlushIntervalSeconds = 60, LifetimeHours = 1 });
        var empty = new GrowingSegment(new SegmentKey(1, 10, 101), VChannel, "mo-rootcoord-dml_0", TestRows.Schema("grow"), Opened);
        var big = new GrowingSegment(new SegmentKey(1, 10, 102), VChannel, "mo-rootcoord-dml_0", TestRows.Schema("grow"), Opened);
        big.Apply(Logged(0, MessageKind.Insert, 1, rows: TestRows.Rows(0, 20_000)), Opened);
        // Written a second before its hour is up: only its lifetime can end it then.
        var old = new GrowingSegment(new SegmentKey(1, 10, 103), VChannel, "mo-rootcoord-dml_0", TestRows.Schema("grow"), Opened);
        old.Apply(Logged(0, MessageKind.Insert, 1, rows: TestRows.Rows(0, 1)), Opened.AddHours(1).AddSeconds(-1));
        _segment.Apply(Logged(0, MessageKind.Insert, 1, rows: TestRows.Rows(0, 1)), Opened.AddMinutes(10));

        Assert.Equal(
            [null, null, "idle", "lifetime", "size"],
            new[]
            {
                policy.Reason(empty, Opened.AddHours(2)),
                policy.Reason(_segment, Opened.AddMinutes(10).AddSeconds(59)),
                policy.Reason(_segment, Opened.AddMinutes(11)),
                policy.Reason(old, Opened.AddHours(1)),
                policy.Reason(big, Opened),
            });
    }

    private static LoggedMessage Logged(long id, MessageKind kind, long ts, RowBatch? rows = null, PrimaryKeys? keys = null) =>
        new(id, id + 1, new HybridTimestamp((ulong)ts), new WalMessage(kind, VChannel, 1, "_default", rows, keys));
}
