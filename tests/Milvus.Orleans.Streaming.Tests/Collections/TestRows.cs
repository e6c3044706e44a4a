using System.Globalization;
using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Streaming.Tests.Collections;

/// <summary>A schema with every field type, and rows for it.</summary>
internal static class TestRows
{
    public const int Dimension = 8;

    public static CollectionSchema Schema(string name, int shards = 2, bool autoId = false) => new(
        name,
        [
            FieldSchema.Int64Key("id", autoId),
            FieldSchema.FloatVector("vec", Dimension),
            FieldSchema.Scalar("title", DataType.VarChar, maxLength: 64),
            FieldSchema.Scalar("score", DataType.Double),
            FieldSchema.Scalar("rank", DataType.Int32),
            FieldSchema.Scalar("weight", DataType.Float),
            FieldSchema.Scalar("flag", DataType.Bool),
            FieldSchema.Scalar("meta", DataType.Json),
        ],
        shards);

    /// <summary>Rows with keys <paramref name="firstKey"/>.., vector values derived from the key.</summary>
    public static RowBatch Rows(long firstKey, int count, bool withKeys = true, int dimension = Dimension) =>
        Rows([.. Enumerable.Range(0, count).Select(i => firstKey + i)], withKeys, dimension);

    /// <summary>Rows with <paramref name="keys"/>, vector values derived from the key.</summary>
    public static RowBatch Rows(long[] keys, bool withKeys = true, int dimension = Dimension)
    {
        var count = keys.Length;
        var vectors = new float[count * dimension];
        for (var i = 0; i < vectors.Length; i++)
        {
            vectors[i] = keys[i / dimension] + ((i % dimension) / 10f);
        }

        List<FieldColumn> columns =
        [
            FieldColumn.FloatVector("vec", dimension, vectors),
            FieldColumn.VarChar("title", [.. keys.Select(k => "row " + k.ToString(CultureInfo.InvariantCulture))]),
            FieldColumn.Double("score", [.. keys.Select(k => k / 2.0)]),
            FieldColumn.Int32("rank", [.. keys.Select(k => (int)(k % 1000))]),
            FieldColumn.Float("weight", [.. keys.Select(k => k / 4f)]),
            FieldColumn.Bool("flag", [.. keys.Select(k => k % 2 == 0)]),
            FieldColumn.Json("meta", [.. keys.Select(k => $$"""{"k":{{k}}}""")]),
        ];
        if (withKeys)
        {
            columns.Insert(0, FieldColumn.Int64("id", keys));
        }

        return new RowBatch(columns);
    }

    /// <summary>The Int64 keys of a logged batch.</summary>
    public static long[] Keys(RowBatch rows) => (long[])rows.Column("id")!.Values;
}
