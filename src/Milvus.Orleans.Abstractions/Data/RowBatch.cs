using System.Text.Json;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Data;

/// <summary>Rows to insert or upsert, one <see cref="FieldColumn"/> per field.</summary>
[GenerateSerializer, Immutable]
public sealed class RowBatch(IReadOnlyList<FieldColumn> columns)
{
    [NonSerialized]
    private long? _estimatedBytes;

    /// <summary>Largest write request the service accepts.</summary>
    public const long MaxRequestBytes = 64L * 1024 * 1024;

    /// <summary>The columns.</summary>
    [Id(0)]
    public IReadOnlyList<FieldColumn> Columns { get; } = columns ?? throw new ArgumentNullException(nameof(columns));

    /// <summary>Rows in the batch (of its first column; <see cref="Validate"/> checks that all agree).</summary>
    public int RowCount => Columns.Count == 0 ? 0 : Columns[0].RowCount;

    /// <summary>Approximate size on the wire and in the log (computed once: VarChar columns are summed row by row).</summary>
    public long EstimatedBytes => _estimatedBytes ??= Columns.Sum(c => c.EstimatedBytes + 16 + (2L * c.Name.Length));

    /// <summary>The column of <paramref name="field"/>, or null.</summary>
    public FieldColumn? Column(string field) => Columns.FirstOrDefault(c => string.Equals(c.Name, field, StringComparison.Ordinal));

    /// <summary>
    /// Checks the batch against <paramref name="schema"/> and throws the <see cref="MilvusException"/> of the first
    /// problem, naming the field and what was expected. An AutoId primary key must be absent.
    /// </summary>
    public void Validate(CollectionSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (Columns.Count == 0 || RowCount == 0)
        {
            throw new MilvusException(ErrorCode.EmptyBatch, $"Collection '{schema.Name}': the batch has no rows; send at least one.");
        }

        if (EstimatedBytes > MaxRequestBytes)
        {
            throw new MilvusException(
                ErrorCode.MessageTooLarge,
                $"Collection '{schema.Name}': the batch is about {EstimatedBytes / (1024 * 1024)} MiB; at most {MaxRequestBytes / (1024 * 1024)} MiB per request.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var column in Columns)
        {
            if (!seen.Add(column.Name))
            {
                throw Mismatch(schema, ErrorCode.FieldMismatch, $"field '{column.Name}' appears twice in the batch; send each field once.");
            }

            var field = schema.Field(column.Name)
                ?? throw Mismatch(schema, ErrorCode.FieldMismatch, $"the batch has field '{column.Name}', which the schema does not have.");
            if (field.AutoId)
            {
                throw Mismatch(schema, ErrorCode.FieldMismatch, $"primary key '{field.Name}' is AutoId: leave it out, the service assigns it.");
            }

            ValidateColumn(schema, field, column);
        }

        foreach (var field in schema.Fields)
        {
            if (!field.AutoId && !seen.Contains(field.Name))
            {
                throw Mismatch(schema, ErrorCode.FieldMismatch, $"the batch lacks field '{field.Name}' ({field.Type}).");
            }
        }
    }

    /// <summary>The rows <paramref name="rows"/>, in that order.</summary>
    public RowBatch Select(IReadOnlyList<int> rows) => new([.. Columns.Select(c => c.Select(rows))]);

    /// <summary>Rows <paramref name="start"/>..<paramref name="start"/>+<paramref name="count"/>.</summary>
    public RowBatch Slice(int start, int count) => new([.. Columns.Select(c => c.Slice(start, count))]);

    /// <summary>The rows of <paramref name="batches"/> one after another; every batch has the same fields.</summary>
    public static RowBatch Concat(IReadOnlyList<RowBatch> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        if (batches.Count == 0)
        {
            throw new ArgumentException("Nothing to concatenate.", nameof(batches));
        }

        return batches.Count == 1
            ? batches[0]
            : new([.. batches[0].Columns.Select(c => FieldColumn.Concat([.. batches.Select(b => b.Column(c.Name)
                ?? throw new ArgumentException($"A batch lacks field '{c.Name}'.", nameof(batches)))]))]);
    }

    /// <summary>
    /// The batch with only the last row of each key of column <paramref name="keyField"/>, in their order: what an
    /// upsert that names a key twice leaves, as two upserts one after the other would. The batch itself when no key repeats.
    /// </summary>
    public RowBatch LastPerKey(string keyField)
    {
        var keys = Column(keyField)?.Values ?? throw new ArgumentException($"The batch lacks field '{keyField}'.", nameof(keyField));
        var last = new Dictionary<object, int>(keys.Length);
        for (var row = 0; row < keys.Length; row++)
        {
            last[keys.GetValue(row)!] = row;
        }

        return last.Count == keys.Length ? this : Select([.. last.Values.Order()]);
    }

    /// <summary>This batch with <paramref name="column"/> added (an assigned AutoId key).</summary>
    public RowBatch With(FieldColumn column) => new([.. Columns, column]);

    private void ValidateColumn(CollectionSchema schema, FieldSchema field, FieldColumn column)
    {
        if (column.Type != field.Type)
        {
            throw Mismatch(schema, ErrorCode.TypeMismatch, $"field '{field.Name}' is {field.Type} but the batch sends {column.Type}.");
        }

        if (field.Type == DataType.FloatVector)
        {
            if (column.Dimension != field.Dimension || column.Values.Length % field.Dimension != 0)
            {
                throw Mismatch(
                    schema,
                    ErrorCode.DimensionMismatch,
                    $"vector field '{field.Name}' has dimension {field.Dimension} but the batch sends dimension {column.Dimension} ({column.Values.Length} floats).");
            }

            var vectors = (float[])column.Values;
            for (var i = 0; i < vectors.Length; i++)
            {
                if (!float.IsFinite(vectors[i]))
                {
                    throw Mismatch(schema, ErrorCode.InvalidVector, $"vector field '{field.Name}' row {i / field.Dimension} holds {vectors[i]}: vectors must be finite.");
                }
            }
        }

        if (column.RowCount != RowCount)
        {
            throw Mismatch(schema, ErrorCode.FieldMismatch, $"field '{field.Name}' has {column.RowCount} rows but field '{Columns[0].Name}' has {RowCount}.");
        }

        if (field.Type == DataType.VarChar)
        {
            var strings = (string[])column.Values;
            for (var i = 0; i < strings.Length; i++)
            {
                if (strings[i] is null || strings[i].Length > field.MaxLength)
                {
                    throw Mismatch(
                        schema,
                        ErrorCode.TypeMismatch,
                        $"VarChar field '{field.Name}' row {i} is {(strings[i] is null ? "null" : $"{strings[i].Length} characters")}: allowed 0..{field.MaxLength}.");
                }
            }
        }
        else if (field.Type == DataType.Json)
        {
            var documents = (string[])column.Values;
            for (var i = 0; i < documents.Length; i++)
            {
                if (JsonProblem(documents[i], field.IsDynamic) is { } problem)
                {
                    throw Mismatch(schema, ErrorCode.TypeMismatch, $"Json field '{field.Name}' row {i} is not a JSON {(field.IsDynamic ? "object" : "document")}: {problem}");
                }
            }
        }
    }

    private static string? JsonProblem(string? document, bool mustBeObject)
    {
        if (document is null)
        {
            return "null.";
        }

        try
        {
            using var parsed = JsonDocument.Parse(document);
            return mustBeObject && parsed.RootElement.ValueKind != JsonValueKind.Object ? $"{parsed.RootElement.ValueKind}." : null;
        }
        catch (JsonException ex)
        {
            return ex.Message;
        }
    }

    private static MilvusException Mismatch(CollectionSchema schema, ErrorCode code, string problem) =>
        new(code, $"Collection '{schema.Name}': {problem}");
}
