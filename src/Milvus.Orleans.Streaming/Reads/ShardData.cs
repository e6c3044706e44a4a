using Milvus.Orleans.Data;
using Milvus.Orleans.History.Segments;

namespace Milvus.Orleans.Streaming.Reads;

/// <summary>A growing segment as a read sees it: the batches and deletes it held at that moment.</summary>
public sealed record GrowingView(SegmentKey Key, IReadOnlyList<(RowBatch Rows, long Ts)> Batches, IReadOnlyList<(FieldColumn Keys, long Ts)> Deletes);

/// <summary>A sealed segment kept in memory for the readers of its vchannel that have not released it.</summary>
public sealed class KeptSegment
{
    internal KeptSegment(SealedSegment segment, IEnumerable<string> holders)
    {
        Segment = segment;
        Holders = new(holders, StringComparer.Ordinal);
        Bytes = segment.Rows.EstimatedBytes + (8L * segment.Timestamps.Length) + segment.DeletedKeys.EstimatedBytes + (8L * segment.DeleteTimestamps.Length);
    }

    public SealedSegment Segment { get; }

    /// <summary>Whether history holds it (a query node can load it).</summary>
    public bool Written { get; internal set; }

    internal HashSet<string> Holders { get; }

    internal long Bytes { get; }
}

/// <summary>
/// A vchannel's data in memory at one moment: its growing segments and the sealed segments kept for a reader, with
/// the timestamp the log was applied up to. <paramref name="Watched"/> is false when this recovery keeps nothing for
/// the reader (it never watched this one: a new term began since).
/// </summary>
public sealed record VChannelSnapshot(HybridTimestamp Applied, IReadOnlyList<GrowingView> Growing, IReadOnlyList<KeptSegment> Sealed, bool Watched);

/// <summary>Deletes of a followed shard, numbered in the order they were read.</summary>
public sealed record FollowedDeletes(long Seq, FieldColumn Keys, long Ts);

/// <summary>
/// A followed shard at one moment: the log read up to <paramref name="Applied"/>, the rows history does not hold yet
/// (one view per partition), and the deletes not taken yet.
/// </summary>
public sealed record FollowerSnapshot(HybridTimestamp Applied, IReadOnlyList<GrowingView> Growing, IReadOnlyList<FollowedDeletes> Deletes);
