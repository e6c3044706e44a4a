using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.History.Segments;

/// <summary>Where a segment lives: ids only, so blob names never carry user text.</summary>
public readonly record struct SegmentKey(long CollectionId, long PartitionId, long SegmentId);

/// <summary>
/// A segment that takes no more rows: its rows with their timestamps, the deletes that reached it (primary keys
/// with their timestamps), and the log range it was built from.
/// </summary>
/// <param name="Key">Its ids.</param>
/// <param name="VChannel">The shard (vchannel) it belongs to.</param>
/// <param name="PChannel">The pchannel whose log it was built from.</param>
/// <param name="Schema">The collection's schema.</param>
/// <param name="Rows">Every field of every row.</param>
/// <param name="Timestamps">The hybrid timestamp of each row, in row order.</param>
/// <param name="DeletedKeys">Primary keys deleted, as one column of the key's type.</param>
/// <param name="DeleteTimestamps">The timestamp of each delete.</param>
/// <param name="EndPosition">The log position after the last message the segment holds.</param>
public sealed record SealedSegment(
    SegmentKey Key,
    string VChannel,
    string PChannel,
    CollectionSchema Schema,
    RowBatch Rows,
    long[] Timestamps,
    FieldColumn DeletedKeys,
    long[] DeleteTimestamps,
    long EndPosition);
