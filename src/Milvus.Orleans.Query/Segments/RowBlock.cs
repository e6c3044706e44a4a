using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Query.Segments;

/// <summary>
/// Rows a read can see, as one batch: a growing segment's batch (one timestamp for all its rows) or a sealed
/// segment (a timestamp per row).
/// </summary>
internal sealed class RowBlock
{
    private readonly long[]? _timestamps;
    private readonly long _ts;

    private RowBlock(CollectionSchema schema, RowBatch rows, long[]? timestamps, long ts)
    {
        Schema = schema;
        Rows = rows;
        _timestamps = timestamps;
        _ts = ts;
        Keys = rows.Column(schema.PrimaryKey.Name)?.Values
            ?? throw new ArgumentException($"The rows lack primary key '{schema.PrimaryKey.Name}'.", nameof(rows));
    }

    public CollectionSchema Schema { get; }

    public RowBatch Rows { get; }

    public int Count => Rows.RowCount;

    /// <summary>The primary keys, <c>long[]</c> or <c>string[]</c>.</summary>
    public Array Keys { get; }

    /// <summary>A batch written at one timestamp.</summary>
    public static RowBlock Written(CollectionSchema schema, RowBatch rows, long ts) => new(schema, rows, null, ts);

    /// <summary>A sealed segment's rows with each row's timestamp.</summary>
    public static RowBlock Sealed(CollectionSchema schema, RowBatch rows, long[] timestamps) =>
        timestamps.Length == rows.RowCount ? new(schema, rows, timestamps, 0) : throw new ArgumentException("One timestamp per row.", nameof(timestamps));

    public long Ts(int row) => _timestamps is null ? _ts : _timestamps[row];

    /// <summary>The rows of <paramref name="field"/>, one vector after another.</summary>
    public float[] Vectors(string field) => Rows.Column(field)?.Values as float[]
        ?? throw new ArgumentException($"The rows have no vector field '{field}'.", nameof(field));

    /// <summary>
    /// Which rows a read at <paramref name="readTs"/> returns: written by then, not expired by then (the schema's
    /// <see cref="CollectionSchema.TtlSeconds"/>), not deleted by then, and matching <paramref name="filter"/> when
    /// there is one.
    /// </summary>
    public Func<int, bool> Visible(DeleteLog deletes, long readTs, Func<int, bool>? filter)
    {
        var writtenFrom = LiveFrom(Schema, readTs);
        return row => Ts(row) <= readTs && Ts(row) >= writtenFrom && !deletes.Hides(Keys, row, Ts(row), readTs) && (filter is null || filter(row));
    }

    /// <summary>The earliest write a read at <paramref name="readTs"/> still sees: 0 when rows do not expire.</summary>
    public static long LiveFrom(CollectionSchema schema, long readTs)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (schema.TtlSeconds == 0)
        {
            return 0;
        }

        var expiredBefore = new HybridTimestamp((ulong)readTs).PhysicalMs - (schema.TtlSeconds * 1000L);
        return expiredBefore <= 0 ? 0 : (long)HybridTimestamp.Compose(expiredBefore, 0).Value;
    }
}
