using System.Globalization;
using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Query.Tests.Filters;

/// <summary>Rows of every filterable type, as a batch for the service and as objects for a LINQ oracle.</summary>
internal static class FilterRows
{
    public static readonly CollectionSchema Schema = new(
        "filters",
        [
            FieldSchema.Int64Key("id"),
            FieldSchema.FloatVector("vec", 2),
            FieldSchema.Scalar("title", DataType.VarChar, maxLength: 64),
            FieldSchema.Scalar("score", DataType.Double),
            FieldSchema.Scalar("rank", DataType.Int32),
            FieldSchema.Scalar("weight", DataType.Float),
            FieldSchema.Scalar("flag", DataType.Bool),
            FieldSchema.Scalar("meta", DataType.Json),
        ]);

    public static readonly string[] Colors = ["red", "green", "blue"];

    /// <summary>Rows 0..199.</summary>
    public static readonly Row[] All = [.. Enumerable.Range(0, 200).Select(i => new Row(i))];

    public static RowBatch Batch(IReadOnlyList<Row> rows) => new(
    [
        FieldColumn.Int64("id", [.. rows.Select(r => r.Id)]),
        FieldColumn.FloatVector("vec", 2, [.. rows.SelectMany(r => new[] { r.Id, -r.Id })]),
        FieldColumn.VarChar("title", [.. rows.Select(r => r.Title)]),
        FieldColumn.Double("score", [.. rows.Select(r => r.Score)]),
        FieldColumn.Int32("rank", [.. rows.Select(r => r.Rank)]),
        FieldColumn.Float("weight", [.. rows.Select(r => r.Weight)]),
        FieldColumn.Bool("flag", [.. rows.Select(r => r.Flag)]),
        FieldColumn.Json("meta", [.. rows.Select(r => r.Meta)]),
    ]);

    /// <summary>
    /// One row. <c>meta</c>: <c>k</c> = id (missing when id % 17 == 0, text when id % 19 == 0), <c>tag</c> a color,
    /// <c>nested.x</c> = id % 5, and <c>maybe</c> = 1 only when id % 10 == 0.
    /// </summary>
    internal sealed record Row(long Id)
    {
        public string Title => "row " + Id.ToString(CultureInfo.InvariantCulture);

        public double Score => Id / 2.0;

        public int Rank => (int)(Id % 13);

        public float Weight => Id / 4f;

        public bool Flag => Id % 3 == 0;

        public string Tag => Colors[Id % 3];

        /// <summary>meta["k"] when it is a number.</summary>
        public long? K => Id % 17 == 0 || Id % 19 == 0 ? null : Id;

        public long NestedX => Id % 5;

        public bool HasMaybe => Id % 10 == 0;

        public string Meta
        {
            get
            {
                var k = Id % 17 == 0 ? string.Empty : Id % 19 == 0 ? $"\"k\":\"{Id}\"," : $"\"k\":{Id},";
                var maybe = HasMaybe ? ",\"maybe\":1" : string.Empty;
                return string.Create(CultureInfo.InvariantCulture, $$"""{{{k}}"tag":"{{Tag}}","nested":{"x":{{NestedX}}}{{maybe}}}""");
            }
        }
    }
}
