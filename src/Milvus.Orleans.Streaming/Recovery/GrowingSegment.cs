using Milvus.Orleans.Data;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Streaming.Recovery;

/// <summary>
/// The rows and deletes one partition of one collection received on one pchannel since its last seal, in log order,
/// each with its timestamp. An upsert is a delete of its keys and an insert at the same timestamp: a delete hides
/// only rows written strictly before it, so the upserted row stays.
/// </summary>
internal sealed class GrowingSegment(SegmentKey key, string pchannel, CollectionSchema schema, DateTimeOffset openedAt)
{
    private readonly List<RowBatch> _rows = [];
    private readonly List<long> _timestamps = [];
    private readonly List<FieldColumn> _deletedKeys = [];
    private readonly List<long> _deleteTimestamps = [];

    public SegmentKey Key { get; } = key;

    public DateTimeOffset OpenedAt { get; } = openedAt;

    /// <summary>When it last received a message, by the recovery grain's clock.</summary>
    public DateTimeOffset LastWriteAt { get; private set; } = openedAt;

    /// <summary>Estimated bytes held, for the seal policy and the memory bound.</summary>
    public long Bytes { get; private set; }

    public int Rows => _timestamps.Count;

    public int Deletes => _deleteTimestamps.Count;

    /// <summary>The log position after the last message it took.</summary>
    public long EndPosition { get; private set; }

    /// <summary>Takes an Insert, Upsert or Delete of this partition (see <see cref="WalMessage.Kind"/>).</summary>
    public void Apply(LoggedMessage message, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(message);
        var body = message.Message;
        var ts = checked((long)message.Ts.Value);
        switch (body.Kind)
        {
            case MessageKind.Insert:
                AddRows(body.Rows!, ts);
                break;
            case MessageKind.Upsert:
                AddDeletes(body.Rows!.Column(schema.PrimaryKey.Name)!, ts);
                AddRows(body.Rows!, ts);
                break;
            case MessageKind.Delete:
                AddDeletes(FieldColumn.Of(schema.PrimaryKey, body.Keys!.Values), ts);
                break;
            default:
                throw new ArgumentException($"A growing segment takes inserts, upserts and deletes, not {body.Kind}.", nameof(message));
        }

        EndPosition = Math.Max(EndPosition, message.Next);
        LastWriteAt = now;
    }

    /// <summary>Everything it holds, as a segment that takes no more.</summary>
    public SealedSegment Seal() => new(
        Key,
        pchannel,
        schema,
        RowBatch.Concat(_rows.Count > 0 ? _rows : [new RowBatch([.. schema.Fields.Select(FieldColumn.Empty)])]),
        [.. _timestamps],
        _deletedKeys.Count > 0 ? FieldColumn.Concat(_deletedKeys) : FieldColumn.Empty(schema.PrimaryKey),
        [.. _deleteTimestamps],
        EndPosition);

    private void AddRows(RowBatch rows, long ts)
    {
        _rows.Add(rows);
        _timestamps.AddRange(Enumerable.Repeat(ts, rows.RowCount));
        Bytes += rows.EstimatedBytes + (8L * rows.RowCount);
    }

    private void AddDeletes(FieldColumn keys, long ts)
    {
        _deletedKeys.Add(keys);
        _deleteTimestamps.AddRange(Enumerable.Repeat(ts, keys.RowCount));
        Bytes += keys.EstimatedBytes + (8L * keys.RowCount);
    }
}
