using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Milvus.Orleans.Data;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Cli.Files;

/// <summary>
/// Rows to import, by file extension: <c>.parquet</c> (a column per field, vectors as lists of floats), <c>.jsonl</c>
/// (an object per line, a member per field), and vectors alone, <c>.npy</c> (float32, 2-D) and <c>.fvecs</c> (per
/// vector: its dimension as int32, then its floats), whose keys are numbered from a first key unless the collection
/// assigns them.
/// </summary>
internal static partial class RowFiles
{
    /// <summary>How many rows the file holds, for progress.</summary>
    public static async Task<long> CountRowsAsync(string path, CollectionSchema schema, CancellationToken cancellationToken) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".fvecs" => new FileInfo(path).Length / (4 + (4L * VectorField(schema).Dimension)),
        ".npy" => Npy(path).Rows,
        ".jsonl" => await File.ReadLinesAsync(path, cancellationToken).LongCountAsync(line => !string.IsNullOrWhiteSpace(line), cancellationToken).ConfigureAwait(false),
        ".parquet" => await ParquetRowsAsync(path, cancellationToken).ConfigureAwait(false),
        var other => throw Unsupported(path, other),
    };

    /// <summary>The file's rows in batches of about <paramref name="batchRows"/>.</summary>
    public static IAsyncEnumerable<RowBatch> ReadAsync(string path, CollectionSchema schema, int batchRows, long firstKey, CancellationToken cancellationToken) =>
        Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".fvecs" => Fvecs(path, schema, batchRows, firstKey, cancellationToken),
            ".npy" => NpyRows(path, schema, batchRows, firstKey, cancellationToken),
            ".jsonl" => Jsonl(path, schema, batchRows, cancellationToken),
            ".parquet" => Parquet(path, schema, cancellationToken),
            var other => throw Unsupported(path, other),
        };

    private static MilvusException Unsupported(string path, string extension) =>
        new(ErrorCode.InvalidArgument, $"'{path}': {(extension.Length == 0 ? "no extension" : extension)} is not a format milvus-orleans imports; use .parquet, .npy, .fvecs or .jsonl.");

    private static FieldSchema VectorField(CollectionSchema schema)
    {
        var vectors = schema.Fields.Where(f => f.Type == DataType.FloatVector).ToArray();
        return vectors.Length == 1 && schema.Fields.Count == 2
            ? vectors[0]
            : throw new MilvusException(ErrorCode.FieldMismatch, $"Collection '{schema.Name}' has fields besides its key and one vector; .npy and .fvecs carry vectors only: import .parquet or .jsonl.");
    }

    private static RowBatch VectorRows(CollectionSchema schema, FieldSchema vector, float[] values, long firstKey)
    {
        var rows = values.Length / vector.Dimension;
        var key = schema.PrimaryKey;
        var vectors = FieldColumn.FloatVector(vector.Name, vector.Dimension, values);
        return key.AutoId
            ? new RowBatch([vectors])
            : key.Type == DataType.Int64
                ? new RowBatch([FieldColumn.Int64(key.Name, [.. Enumerable.Range(0, rows).Select(i => firstKey + i)]), vectors])
                : throw new MilvusException(ErrorCode.FieldMismatch, $"Collection '{schema.Name}' has a VarChar key; .npy and .fvecs rows are numbered: import .parquet or .jsonl.");
    }

    private static async IAsyncEnumerable<RowBatch> Fvecs(string path, CollectionSchema schema, int batchRows, long firstKey, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var vector = VectorField(schema);
        var stream = File.OpenRead(path);
        await using var dispose = stream.ConfigureAwait(false);
        var record = new byte[4 + (4 * vector.Dimension)];
        var values = new List<float>(batchRows * vector.Dimension);
        var next = firstKey;
        for (var row = 0L; ; row++)
        {
            var read = await stream.ReadAtLeastAsync(record, record.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            var dimension = BinaryPrimitives.ReadInt32LittleEndian(record);
            if (read < record.Length || dimension != vector.Dimension)
            {
                throw new MilvusException(ErrorCode.DimensionMismatch, $"'{path}' vector {row} has dimension {dimension} ({read} bytes); field '{vector.Name}' has {vector.Dimension}.");
            }

            values.AddRange(MemoryMarshal.Cast<byte, float>(record.AsSpan(4)));
            if (values.Count == batchRows * vector.Dimension)
            {
                yield return VectorRows(schema, vector, [.. values], next);
                next += batchRows;
                values.Clear();
            }
        }

        if (values.Count > 0)
        {
            yield return VectorRows(schema, vector, [.. values], next);
        }
    }

    private static async IAsyncEnumerable<RowBatch> NpyRows(string path, CollectionSchema schema, int batchRows, long firstKey, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var vector = VectorField(schema);
        var (rows, dimension, dataOffset) = Npy(path);
        if (dimension != vector.Dimension)
        {
            throw new MilvusException(ErrorCode.DimensionMismatch, $"'{path}' holds vectors of {dimension} values; field '{vector.Name}' has {vector.Dimension}.");
        }

        if ((long)batchRows * dimension * sizeof(float) > RowBatch.MaxRequestBytes)
        {
            throw new MilvusException(
                ErrorCode.MessageTooLarge,
                $"{batchRows} vectors of {dimension} floats make a batch over {RowBatch.MaxRequestBytes / (1024 * 1024)} MiB, the most one insert takes: lower --batch.");
        }

        var stream = File.OpenRead(path);
        await using var dispose = stream.ConfigureAwait(false);
        stream.Position = dataOffset;
        for (var start = 0L; start < rows; start += batchRows)
        {
            var count = (int)Math.Min(batchRows, rows - start);
            var bytes = new byte[count * dimension * sizeof(float)];
            await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
            yield return VectorRows(schema, vector, [.. MemoryMarshal.Cast<byte, float>(bytes)], firstKey + start);
        }
    }

    /// <summary>Rows, dimension and data offset of a float32, 2-D, C-order .npy file.</summary>
    private static (long Rows, int Dimension, long DataOffset) Npy(string path)
    {
        using var stream = File.OpenRead(path);
        var preamble = new byte[12];
        if (stream.ReadAtLeast(preamble, preamble.Length, throwOnEndOfStream: false) < preamble.Length
            || preamble[0] != 0x93 || Encoding.ASCII.GetString(preamble, 1, 5) != "NUMPY")
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"'{path}' is not a .npy file.");
        }

        // Version 1 gives the header's length in 2 bytes, later versions in 4.
        var (headerLength, headerStart) = preamble[6] == 1
            ? (BinaryPrimitives.ReadUInt16LittleEndian(preamble.AsSpan(8)), 10)
            : ((long)BinaryPrimitives.ReadUInt32LittleEndian(preamble.AsSpan(8)), 12);
        if (headerStart + headerLength > Math.Min(stream.Length, MaxNpyHeader))
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"'{path}' is not a .npy file: its header claims {headerLength} bytes.");
        }

        var header = new byte[headerLength];
        stream.Position = headerStart;
        stream.ReadExactly(header);
        var text = Encoding.Latin1.GetString(header);
        var match = NpyHeader().Match(text);
        if (!match.Success || match.Groups["descr"].Value != "<f4" || match.Groups["fortran"].Value != "False"
            || !long.TryParse(match.Groups["rows"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var rows)
            || !int.TryParse(match.Groups["dim"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var dimension) || dimension < 1)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"'{path}' is not a 2-D float32 C-order array ({text.Trim()}); save it with numpy.save(path, array.astype('<f4')).");
        }

        var dataOffset = headerStart + headerLength;
        if (rows > (stream.Length - dataOffset) / ((long)dimension * sizeof(float)))
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"'{path}' is cut short: its header says {rows} × {dimension} floats, and it holds {stream.Length - dataOffset} bytes of data.");
        }

        return (rows, dimension, dataOffset);
    }

    /// <summary>A .npy header is a short Python dictionary; a longer one is not a header.</summary>
    private const long MaxNpyHeader = 64 * 1024;

    [GeneratedRegex(@"'descr':\s*'(?<descr>[^']+)'.*'fortran_order':\s*(?<fortran>True|False).*'shape':\s*\((?<rows>\d+),\s*(?<dim>\d+)\)", RegexOptions.Singleline)]
    private static partial Regex NpyHeader();

    private static async IAsyncEnumerable<RowBatch> Jsonl(string path, CollectionSchema schema, int batchRows, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var fields = schema.Fields.Where(f => !f.AutoId).ToArray();
        var values = fields.ToDictionary(f => f.Name, _ => new List<object>(), StringComparer.Ordinal);
        var line = 0;
        var rows = 0;
        await foreach (var text in File.ReadLinesAsync(path, cancellationToken).ConfigureAwait(false))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            using var document = ParseLine(text, path, line);
            foreach (var field in fields)
            {
                if (!document.RootElement.TryGetProperty(field.Name, out var value))
                {
                    throw new MilvusException(ErrorCode.FieldMismatch, $"'{path}' line {line} has no '{field.Name}' ({field.Type}).");
                }

                values[field.Name].Add(Value(field, value, path, line));
            }

            if (++rows == batchRows)
            {
                yield return JsonBatch(fields, values);
                rows = 0;
            }
        }

        if (rows > 0)
        {
            yield return JsonBatch(fields, values);
        }
    }

    /// <summary>One line of a .jsonl file as a JSON object, or the error naming the line.</summary>
    private static JsonDocument ParseLine(string text, string path, int line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException ex)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"'{path}' line {line} is not JSON: {ex.Message}");
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new MilvusException(ErrorCode.InvalidArgument, $"'{path}' line {line} is not a JSON object, one row with a member per field.");
        }

        return document;
    }

    private static object Value(FieldSchema field, JsonElement value, string path, int line)
    {
        object? result;
        try
        {
            result = field.Type switch
            {
                DataType.Bool => value.GetBoolean(),
                DataType.Int32 => value.GetInt32(),
                DataType.Int64 => value.GetInt64(),
                DataType.Float => value.GetSingle(),
                DataType.Double => value.GetDouble(),
                DataType.VarChar => value.GetString(),
                DataType.Json => value.GetRawText(),
                _ => value.EnumerateArray().Select(v => v.GetSingle()).ToArray(),
            };
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException)
        {
            result = null;
        }

        return result switch
        {
            null => throw new MilvusException(ErrorCode.TypeMismatch, $"'{path}' line {line}: '{field.Name}' is {field.Type} but holds {Shown(value)}."),
            float[] vector when vector.Length != field.Dimension => throw new MilvusException(
                ErrorCode.DimensionMismatch, $"'{path}' line {line}: '{field.Name}' has {vector.Length} values; the field has dimension {field.Dimension}."),
            _ => result,
        };
    }

    private static string Shown(JsonElement value)
    {
        var text = value.GetRawText();
        return text.Length <= 60 ? text : text[..60] + "…";
    }

    private static RowBatch JsonBatch(FieldSchema[] fields, Dictionary<string, List<object>> values)
    {
        var columns = fields.Select(field =>
        {
            var list = values[field.Name];
            Array array = field.Type switch
            {
                DataType.Bool => list.Cast<bool>().ToArray(),
                DataType.Int32 => list.Cast<int>().ToArray(),
                DataType.Int64 => list.Cast<long>().ToArray(),
                DataType.Float => list.Cast<float>().ToArray(),
                DataType.Double => list.Cast<double>().ToArray(),
                DataType.VarChar or DataType.Json => list.Cast<string>().ToArray(),
                _ => list.Cast<float[]>().SelectMany(v => v).ToArray(),
            };
            list.Clear();
            return FieldColumn.Of(field, array);
        });
        return new RowBatch([.. columns]);
    }

    private static async IAsyncEnumerable<RowBatch> Parquet(string path, CollectionSchema schema, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = File.OpenRead(path);
        await using var dispose = stream.ConfigureAwait(false);
        await foreach (var rows in SegmentParquet.ReadRowGroupsAsync(stream, [.. schema.Fields.Where(f => !f.AutoId)], cancellationToken).ConfigureAwait(false))
        {
            yield return rows;
        }
    }

    private static async Task<long> ParquetRowsAsync(string path, CancellationToken cancellationToken)
    {
        var stream = File.OpenRead(path);
        await using var disposeStream = stream.ConfigureAwait(false);
        var reader = await global::Parquet.ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var disposeReader = reader.ConfigureAwait(false);
        var rows = 0L;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            rows += group.RowCount;
        }

        return rows;
    }
}
