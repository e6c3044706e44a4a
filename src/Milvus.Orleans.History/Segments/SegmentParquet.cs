using System.Buffers;
using System.Runtime.CompilerServices;
using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;
using Parquet;
using Parquet.Schema;

namespace Milvus.Orleans.History.Segments;

/// <summary>
/// Rows as one Parquet file that other tools read (DuckDB, pyarrow): one column per field, in the order given, with the
/// field's name (float vectors as a list of floats per row, VarChar and JSON as UTF-8 strings), then
/// <see cref="TimestampColumn"/>, the hybrid timestamp each row was written (or deleted) at. A segment's data file
/// holds every field of its collection; its delete log, the primary key alone.
/// </summary>
public static class SegmentParquet
{
    /// <summary>
    /// The row timestamp column. Its name is not a valid field name (those are letters, digits and underscores), so it
    /// never collides with one.
    /// </summary>
    public const string TimestampColumn = "$ts";

    /// <summary>The most rows in one row group of a segment file.</summary>
    public const int RowGroupRows = 16_384;

    /// <summary>Writes the <paramref name="fields"/> of <paramref name="rows"/> and the rows' timestamps.</summary>
    public static async Task WriteAsync(Stream output, IReadOnlyList<FieldSchema> fields, RowBatch rows, long[] timestamps, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(timestamps);
        if (timestamps.Length != rows.RowCount)
        {
            throw new ArgumentException($"{timestamps.Length} timestamps for {rows.RowCount} rows.", nameof(timestamps));
        }

        var columns = fields.Select(ParquetField).ToList();
        var ts = new DataField<long>(TimestampColumn, nullable: false);
        var writer = await ParquetWriter.CreateAsync(new ParquetSchema([.. columns, ts]), output, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var disposeWriter = writer.ConfigureAwait(false);
        // Row groups of bounded size: the buffers of one group are reused for the next (pooled), instead of arrays as
        // large as the segment collected after each write while appends run.
        for (var start = 0; start < rows.RowCount || start == 0; start += RowGroupRows)
        {
            var count = Math.Min(RowGroupRows, rows.RowCount - start);
            using var group = writer.CreateRowGroup();
            for (var i = 0; i < fields.Count; i++)
            {
                var field = fields[i];
                var column = rows.Column(field.Name) ?? throw new ArgumentException($"The rows have no column '{field.Name}'.", nameof(rows));
                await WriteColumnAsync(group, columns[i], field, column, start, count, cancellationToken).ConfigureAwait(false);
            }

            await group.WriteAsync(ts, new ReadOnlyMemory<long>(timestamps, start, count), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a file written by <see cref="WriteAsync"/> back into rows of <paramref name="fields"/> and their timestamps.</summary>
    public static async Task<(RowBatch Rows, long[] Timestamps)> ReadAsync(Stream input, IReadOnlyList<FieldSchema> fields, CancellationToken cancellationToken)
    {
        var groups = new List<RowBatch>();
        var timestamps = new List<long[]>();
        await foreach (var (rows, ts) in ReadGroupsAsync(input, fields, withTimestamps: true, cancellationToken).ConfigureAwait(false))
        {
            groups.Add(rows);
            timestamps.Add(ts!);
        }

        return (RowBatch.Concat(groups), [.. timestamps.SelectMany(t => t)]);
    }

    /// <summary>
    /// The rows of any Parquet file with a column per field of <paramref name="fields"/> (vectors as lists of floats),
    /// one batch per row group: how files made by other tools are imported.
    /// </summary>
    public static async IAsyncEnumerable<RowBatch> ReadRowGroupsAsync(Stream input, IReadOnlyList<FieldSchema> fields, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (rows, _) in ReadGroupsAsync(input, fields, withTimestamps: false, cancellationToken).ConfigureAwait(false))
        {
            yield return rows;
        }
    }

    private static async IAsyncEnumerable<(RowBatch Rows, long[]? Timestamps)> ReadGroupsAsync(
        Stream input, IReadOnlyList<FieldSchema> fields, bool withTimestamps, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var reader = await ParquetReader.CreateAsync(input, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var disposeReader = reader.ConfigureAwait(false);
        var dataFields = reader.Schema.GetDataFields();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var rows = checked((int)group.RowCount);
            var columns = new List<FieldColumn>();
            foreach (var field in fields)
            {
                var data = dataFields.FirstOrDefault(d => d.Path.ToList()[0] == field.Name)
                    ?? throw new InvalidDataException($"The Parquet file has no column '{field.Name}'.");
                columns.Add(FieldColumn.Of(field, await ReadColumnAsync(group, data, field, rows, cancellationToken).ConfigureAwait(false)));
            }

            long[]? ts = null;
            if (withTimestamps)
            {
                ts = new long[rows];
                await group.ReadAsync(dataFields.Single(d => d.Name == TimestampColumn), new Memory<long>(ts), cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            yield return (new RowBatch(columns), ts);
        }
    }

    private static Field ParquetField(FieldSchema field) => field.Type switch
    {
        DataType.Bool => new DataField<bool>(field.Name, nullable: false),
        DataType.Int32 => new DataField<int>(field.Name, nullable: false),
        DataType.Int64 => new DataField<long>(field.Name, nullable: false),
        DataType.Float => new DataField<float>(field.Name, nullable: false),
        DataType.Double => new DataField<double>(field.Name, nullable: false),
        DataType.VarChar or DataType.Json => new DataField<string>(field.Name, nullable: false),
        DataType.FloatVector => new ListField(field.Name, new DataField<float>("element", nullable: false)),
        _ => throw new NotSupportedException($"Field '{field.Name}' has type {field.Type}, which segments cannot store."),
    };

    /// <summary>Writes rows <paramref name="start"/>..<paramref name="start"/>+<paramref name="count"/> of <paramref name="column"/>.</summary>
    private static async Task WriteColumnAsync(
        ParquetRowGroupWriter group, Field parquet, FieldSchema field, FieldColumn column, int start, int count, CancellationToken cancellationToken)
    {
        switch (column.Values)
        {
            case float[] vectors when field.Type == DataType.FloatVector:
                // One list per row: repetition level 0 starts a row's list, 1 continues it; every element is present.
                var element = (DataField)((ListField)parquet).Item;
                var values = count * field.Dimension;
                var repetition = ArrayPool<int>.Shared.Rent(values);
                var definition = ArrayPool<int>.Shared.Rent(values);
                try
                {
                    for (var i = 0; i < values; i++)
                    {
                        repetition[i] = i % field.Dimension == 0 ? 0 : 1;
                    }

                    Array.Fill(definition, element.MaxDefinitionLevel, 0, values);
                    await group.WriteAllPartsAsync(
                        element, new ReadOnlyMemory<float>(vectors, start * field.Dimension, values), definition.AsMemory(0, values), repetition.AsMemory(0, values), cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    ArrayPool<int>.Shared.Return(repetition);
                    ArrayPool<int>.Shared.Return(definition);
                }

                break;
            case string[] strings:
                await group.WriteAsync((DataField)parquet, new ArraySegment<string>(strings, start, count)).ConfigureAwait(false);
                break;
            case bool[] bools:
                await group.WriteAsync((DataField)parquet, new ReadOnlyMemory<bool>(bools, start, count), cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case int[] ints:
                await group.WriteAsync((DataField)parquet, new ReadOnlyMemory<int>(ints, start, count), cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case long[] longs:
                await group.WriteAsync((DataField)parquet, new ReadOnlyMemory<long>(longs, start, count), cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case float[] floats:
                await group.WriteAsync((DataField)parquet, new ReadOnlyMemory<float>(floats, start, count), cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case double[] doubles:
                await group.WriteAsync((DataField)parquet, new ReadOnlyMemory<double>(doubles, start, count), cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new NotSupportedException($"Column '{column.Name}' holds {column.Values.GetType().Name}, which segments cannot store.");
        }
    }

    private static async Task<Array> ReadColumnAsync(ParquetRowGroupReader group, DataField data, FieldSchema field, int rows, CancellationToken cancellationToken)
    {
        switch (field.Type)
        {
            case DataType.FloatVector:
                var vectors = new float[rows * field.Dimension];
                var definition = new int[vectors.Length];
                var repetition = new int[vectors.Length];
                await group.ReadRawAsync(data, new Memory<float>(vectors), definition, repetition, cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < vectors.Length; i++)
                {
                    // Every row a full list of Dimension present floats, as written.
                    if (repetition[i] != (i % field.Dimension == 0 ? 0 : 1) || definition[i] != data.MaxDefinitionLevel)
                    {
                        throw new InvalidDataException($"Column '{field.Name}' is not {rows} vectors of {field.Dimension} floats (value {i}).");
                    }
                }

                return vectors;
            case DataType.VarChar or DataType.Json:
                var strings = new string?[rows];
                await group.ReadAsync(data, new Memory<string?>(strings), cancellationToken: cancellationToken).ConfigureAwait(false);
                return Array.ConvertAll(strings, s => s ?? throw new InvalidDataException($"Column '{field.Name}' holds a null; segments have none."));
            case DataType.Bool:
                return await ReadAsync<bool>(group, data, rows, cancellationToken).ConfigureAwait(false);
            case DataType.Int32:
                return await ReadAsync<int>(group, data, rows, cancellationToken).ConfigureAwait(false);
            case DataType.Int64:
                return await ReadAsync<long>(group, data, rows, cancellationToken).ConfigureAwait(false);
            case DataType.Float:
                return await ReadAsync<float>(group, data, rows, cancellationToken).ConfigureAwait(false);
            case DataType.Double:
                return await ReadAsync<double>(group, data, rows, cancellationToken).ConfigureAwait(false);
            default:
                throw new NotSupportedException($"Field '{field.Name}' has type {field.Type}, which segments cannot store.");
        }
    }

    private static async Task<T[]> ReadAsync<T>(ParquetRowGroupReader group, DataField data, int rows, CancellationToken cancellationToken)
        where T : struct
    {
        var values = new T[rows];
        await group.ReadAsync(data, new Memory<T>(values), cancellationToken: cancellationToken).ConfigureAwait(false);
        return values;
    }
}
