using System.Globalization;
using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.History.Tests;

/// <summary>A schema with every field type, and rows whose values follow from their keys.</summary>
internal static class SegmentRows
{
    public const int Dimension = 16;

    public static CollectionSchema Schema { get; } = new(
        "history",
        [
            FieldSchema.Int64Key("id"),
            FieldSchema.FloatVector("vec", Dimension),
            FieldSchema.Scalar("title", DataType.VarChar, maxLength: 64),
            FieldSchema.Scalar("score", DataType.Double),
            FieldSchema.Scalar("rank", DataType.Int32),
            FieldSchema.Scalar("weight", DataType.Float),
            FieldSchema.Scalar("flag", DataType.Bool),
            FieldSchema.Scalar("meta", DataType.Json),
        ]);

    public static RowBatch Rows(long firstKey, int count)
    {
        var keys = Enumerable.Range(0, count).Select(i => firstKey + i).ToArray();
        return new RowBatch(
        [
            FieldColumn.Int64("id", keys),
            FieldColumn.FloatVector("vec", Dimension, [.. keys.SelectMany(Vector)]),
            FieldColumn.VarChar("title", [.. keys.Select(k => "row " + k.ToString(CultureInfo.InvariantCulture))]),
            FieldColumn.Double("score", [.. keys.Select(k => k / 2.0)]),
            FieldColumn.Int32("rank", [.. keys.Select(k => (int)(k % 1000))]),
            FieldColumn.Float("weight", [.. keys.Select(k => k / 4f)]),
            FieldColumn.Bool("flag", [.. keys.Select(k => k % 2 == 0)]),
            FieldColumn.Json("meta", [.. keys.Select(k => $$"""{"k":{{k}}}""")]),
        ]);
    }

    public static float[] Vector(long key) => [.. Enumerable.Range(0, Dimension).Select(i => key + (i / 100f))];

    /// <summary>Timestamps 1000, 1001, … for <paramref name="count"/> rows.</summary>
    public static long[] Timestamps(int count, long first = 1000) => [.. Enumerable.Range(0, count).Select(i => first + i)];
}
