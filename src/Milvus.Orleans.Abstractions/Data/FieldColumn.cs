using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Data;

/// <summary>
/// The values of one field for every row of a batch, in one array of the field's element type, so a batch
/// of vectors travels and is stored as one contiguous <c>float[]</c> (rows × dimension).
/// </summary>
[GenerateSerializer, Immutable]
public sealed class FieldColumn
{
    private FieldColumn(string name, DataType type, int dimension, Array values)
    {
        Name = name;
        Type = type;
        Dimension = dimension;
        Values = values;
    }

    /// <summary>The field's name.</summary>
    [Id(0)]
    public string Name { get; }

    /// <summary>The field's type.</summary>
    [Id(1)]
    public DataType Type { get; }

    /// <summary>For vectors: floats per row. Zero otherwise.</summary>
    [Id(2)]
    public int Dimension { get; }

    /// <summary>
    /// <c>bool[]</c>, <c>int[]</c>, <c>long[]</c>, <c>float[]</c> (Float and FloatVector), <c>double[]</c> or
    /// <c>string[]</c> (VarChar and Json).
    /// </summary>
    [Id(3)]
    public Array Values { get; }

    /// <summary>Rows the column holds (for vectors, values / dimension rounded down).</summary>
    public int RowCount => Type == DataType.FloatVector ? (Dimension > 0 ? Values.Length / Dimension : 0) : Values.Length;

    /// <summary>Approximate size on the wire and in the log.</summary>
    public long EstimatedBytes => Values switch
    {
        string[] strings => strings.Sum(s => 4L + (2L * (s?.Length ?? 0))),
        bool[] bools => bools.Length,
        int[] or float[] => 4L * Values.Length,
        _ => 8L * Values.Length,
    };

    /// <summary>A Bool column.</summary>
    public static FieldColumn Bool(string name, bool[] values) => new(name, DataType.Bool, 0, Check(values));

    /// <summary>An Int32 column.</summary>
    public static FieldColumn Int32(string name, int[] values) => new(name, DataType.Int32, 0, Check(values));

    /// <summary>An Int64 column.</summary>
    public static FieldColumn Int64(string name, long[] values) => new(name, DataType.Int64, 0, Check(values));

    /// <summary>A Float column.</summary>
    public static FieldColumn Float(string name, float[] values) => new(name, DataType.Float, 0, Check(values));

    /// <summary>A Double column.</summary>
    public static FieldColumn Double(string name, double[] values) => new(name, DataType.Double, 0, Check(values));

    /// <summary>A VarChar column.</summary>
    public static FieldColumn VarChar(string name, string[] values) => new(name, DataType.VarChar, 0, Check(values));

    /// <summary>A Json column: one JSON document per row, as text.</summary>
    public static FieldColumn Json(string name, string[] values) => new(name, DataType.Json, 0, Check(values));

    /// <summary>A FloatVector column: <paramref name="values"/> holds rows × <paramref name="dimension"/> floats, row after row.</summary>
    public static FieldColumn FloatVector(string name, int dimension, float[] values) =>
        new(name, DataType.FloatVector, dimension, Check(values));

    /// <summary>The rows <paramref name="rows"/> of this column, in that order.</summary>
    public FieldColumn Select(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (Type == DataType.FloatVector)
        {
            var source = (float[])Values;
            var vectors = new float[rows.Count * Dimension];
            for (var i = 0; i < rows.Count; i++)
            {
                Array.Copy(source, rows[i] * Dimension, vectors, i * Dimension, Dimension);
            }

            return new(Name, Type, Dimension, vectors);
        }

        var selected = Array.CreateInstance(Values.GetType().GetElementType()!, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            Array.Copy(Values, rows[i], selected, i, 1);
        }

        return new(Name, Type, Dimension, selected);
    }

    /// <summary>Rows <paramref name="start"/>..<paramref name="start"/>+<paramref name="count"/> of this column.</summary>
    public FieldColumn Slice(int start, int count)
    {
        var width = Type == DataType.FloatVector ? Dimension : 1;
        var sliced = Array.CreateInstance(Values.GetType().GetElementType()!, count * width);
        Array.Copy(Values, start * width, sliced, 0, count * width);
        return new(Name, Type, Dimension, sliced);
    }

    /// <summary>A column of <paramref name="field"/> holding <paramref name="values"/>, an array of the field's element type.</summary>
    public static FieldColumn Of(FieldSchema field, Array values)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(values);
        var expected = ElementType(field.Type);
        return values.GetType().GetElementType() == expected
            ? new(field.Name, field.Type, field.Type == DataType.FloatVector ? field.Dimension : 0, values)
            : throw new ArgumentException($"Field '{field.Name}' ({field.Type}) holds {expected.Name}[], not {values.GetType().Name}.", nameof(values));
    }

    /// <summary>A column of <paramref name="field"/> with no rows.</summary>
    public static FieldColumn Empty(FieldSchema field) => Of(field, Array.CreateInstance(ElementType(field?.Type ?? throw new ArgumentNullException(nameof(field))), 0));

    /// <summary>The rows of <paramref name="parts"/> one after another: columns of one field, of one type.</summary>
    public static FieldColumn Concat(IReadOnlyList<FieldColumn> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new ArgumentException("Nothing to concatenate.", nameof(parts));
        }

        var first = parts[0];
        if (parts.Count == 1)
        {
            return first;
        }

        if (parts.Any(p => p.Name != first.Name || p.Type != first.Type || p.Dimension != first.Dimension))
        {
            throw new ArgumentException($"Columns of different fields cannot be concatenated (first: '{first.Name}' {first.Type}).", nameof(parts));
        }

        var values = Array.CreateInstance(first.Values.GetType().GetElementType()!, parts.Sum(p => p.Values.Length));
        var offset = 0;
        foreach (var part in parts)
        {
            Array.Copy(part.Values, 0, values, offset, part.Values.Length);
            offset += part.Values.Length;
        }

        return new(first.Name, first.Type, first.Dimension, values);
    }

    private static Type ElementType(DataType type) => type switch
    {
        DataType.Bool => typeof(bool),
        DataType.Int32 => typeof(int),
        DataType.Int64 => typeof(long),
        DataType.Float or DataType.FloatVector => typeof(float),
        DataType.Double => typeof(double),
        DataType.VarChar or DataType.Json => typeof(string),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not a field type."),
    };

    private static T[] Check<T>(T[] values) => values ?? throw new ArgumentNullException(nameof(values));
}
