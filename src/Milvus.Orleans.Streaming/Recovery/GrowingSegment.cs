using Milvus.Orleans.Data;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Streaming.Reads;

namespace Milvus.Orleans.Streaming.Recovery;

/// <summary>
/// The rows and deletes one partition of one collection received on one pchannel since its last seal, in log order,
/// each with its timestamp. An upsert is a delete of its keys and an insert at the same timestamp: a delete hides
/// only rows written strictly before it, so the upserted row stays.
/// </summary>
internal sealed class GrowingSegment(SegmentKey key, string vchannel, string pchannel, CollectionSchema schema, DateTimeOffset openedAt)
{
    private readonly List<(RowBatch Rows, long Ts)> _rows = [];
    private readonly List<(FieldColumn Keys, long Ts)> _deletes = [];

    public SegmentKey Key { get; } = key;

    public DateTimeOffset OpenedAt { get; } = openedAt;

    /// <summary>When it last received a message, by the recovery grain's clock.</summary>
    public DateTimeOffset LastWriteAt { get; private set; } = openedAt;

    /// <summary>Estimated bytes held, for the seal policy and the memory bound.</summary>
    public long Bytes { get; private set; }

    public int Rows { get; private set; }

    public int Deletes { get; private set; }

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

    /// <summary>
    /// Throws <see cref="InvalidDataException"/> unless <paramref name="body"/> has what applying it needs: rows with
    /// every field of <paramref name="schema"/> in its type and of one length, or keys of the primary key's type. Checked
    /// before anything changes, so a record that cannot be applied leaves no trace (vchannels check the values too; this
    /// is the shape only, cheap enough for every replayed record).
    /// </summary>
    public static void Check(WalMessage body, CollectionSchema schema)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(schema);
        var problem = body.Kind switch
        {
            MessageKind.Insert or MessageKind.Upsert => RowsProblem(body.Rows, schema),
            MessageKind.Delete => body.Keys is null || (body.Keys.Int64 is null && body.Keys.VarChar is null) ? "it has no keys"
                : body.Keys.Type != schema.PrimaryKey.Type ? $"its keys are {body.Keys.Type}, not {schema.PrimaryKey.Type}" : null,
            _ => $"a growing segment takes inserts, upserts and deletes, not {body.Kind}",
        };
        if (problem is not null)
        {
            throw new InvalidDataException(problem);
        }
    }

    /// <summary>Everything it holds, as a segment that takes no more.</summary>
    public SealedSegment Seal() => new(
        Key,
        vchannel,
        pchannel,
        schema,
        RowBatch.Concat(_rows.Count > 0 ? [.. _rows.Select(r => r.Rows)] : [new RowBatch([.. schema.Fields.Select(FieldColumn.Empty)])]),
        [.. _rows.SelectMany(r => Enumerable.Repeat(r.Ts, r.Rows.RowCount))],
        _deletes.Count > 0 ? FieldColumn.Concat([.. _deletes.Select(d => d.Keys)]) : FieldColumn.Empty(schema.PrimaryKey),
        [.. _deletes.SelectMany(d => Enumerable.Repeat(d.Ts, d.Keys.RowCount))],
        EndPosition);

    /// <summary>What it holds now, for reads: its batches and deletes so far, each with its timestamp (all immutable).</summary>
    public GrowingView View() => new(Key, [.. _rows], [.. _deletes]);

    private static string? RowsProblem(RowBatch? rows, CollectionSchema schema)
    {
        if (rows?.Columns is not { Count: > 0 } columns || columns.Any(c => c?.Values is null))
        {
            return "it has no rows";
        }

        foreach (var field in schema.Fields)
        {
            var column = rows.Column(field.Name);
            var length = field.Type == DataType.FloatVector ? (long)rows.RowCount * field.Dimension : rows.RowCount;
            if (column is null || column.Type != field.Type || column.Values.Length != length)
            {
                return $"its column '{field.Name}' is missing or not {field.Type} of {rows.RowCount} rows";
            }
        }

        return null;
    }

    /// <summary>
    /// Rows stay until their segment seals, long after the young collections following their decoding: their vectors
    /// (most of their bytes) move to the pinned-object heap, which only full collections visit, so young collections
    /// do not copy them again at every promotion, and the decoded arrays die young.
    /// </summary>
    private static RowBatch Tenured(RowBatch rows) =>
        rows.Columns.Any(c => c.Type == DataType.FloatVector)
            ? new RowBatch([.. rows.Columns.Select(c => c.Type == DataType.FloatVector ? FieldColumn.FloatVector(c.Name, c.Dimension, Pinned((float[])c.Values)) : c)])
            : rows;

    private static float[] Pinned(float[] values)
    {
        var copy = GC.AllocateUninitializedArray<float>(values.Length, pinned: true);
        values.CopyTo(copy, 0);
        return copy;
    }

    private void AddRows(RowBatch rows, long ts)
    {
        _rows.Add((Tenured(rows), ts));
        Rows += rows.RowCount;
        Bytes += rows.EstimatedBytes + (8L * rows.RowCount);
    }

    private void AddDeletes(FieldColumn keys, long ts)
    {
        _deletes.Add((keys, ts));
        Deletes += keys.RowCount;
        Bytes += keys.EstimatedBytes + (8L * keys.RowCount);
    }
}
