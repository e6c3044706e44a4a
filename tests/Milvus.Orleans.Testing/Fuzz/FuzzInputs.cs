using System.Globalization;
using CsCheck;
using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Testing.Fuzz;

/// <summary>
/// Generators of hostile and ordinary input for the service: filter expressions from its grammar with random depth,
/// literals at the edges and character-level damage; schemas; row batches; and read and write requests. Shared by the
/// fuzz tests (a fixed number of cases per CI run) and the benchmark tool (<c>fuzz --minutes N</c>).
/// </summary>
public static class FuzzInputs
{
    /// <summary>The schema requests are generated for: a field of every filterable type.</summary>
    public static readonly CollectionSchema Schema = new(
        "fuzz",
        [
            FieldSchema.Int64Key("id"),
            FieldSchema.FloatVector("vec", Dimension),
            FieldSchema.Scalar("title", DataType.VarChar, maxLength: 32),
            FieldSchema.Scalar("score", DataType.Double),
            FieldSchema.Scalar("rank", DataType.Int32),
            FieldSchema.Scalar("weight", DataType.Float),
            FieldSchema.Scalar("flag", DataType.Bool),
            FieldSchema.Scalar("meta", DataType.Json),
        ],
        ShardCount: 2);

    /// <summary>The vector dimension of <see cref="Schema"/>.</summary>
    public const int Dimension = 4;

    private static readonly string[] Fields = ["id", "title", "score", "rank", "weight", "flag", "meta[\"k\"]", "meta[\"a\"][\"b\"]", "vec", "nope", "meta", "title[\"x\"]"];
    private static readonly string[] Comparisons = ["==", "!=", "<", "<=", ">", ">=", "=", "<>", "==="];
    private static readonly string[] Logical = ["and", "or", "&&", "||", "AND", "Or", "&", "|"];
    private static readonly string[] Arithmetic = ["+", "-", "*", "/", "%", "**"];

    /// <summary>A literal, often at an edge: huge and tiny numbers, quotes and escapes, non-ASCII, an empty string.</summary>
    public static readonly Gen<string> Literal = Gen.OneOf(
        Gen.Long.Select(v => v.ToString(CultureInfo.InvariantCulture)),
        Gen.Int[-10, 10].Select(v => v.ToString(CultureInfo.InvariantCulture)),
        Gen.Double.Select(v => v.ToString("R", CultureInfo.InvariantCulture)),
        Gen.OneOf("0", "-0", "1e308", "1e309", "-1e-320", "9223372036854775807", "9223372036854775808", ".5", "5.", "1e", "0x10", "NaN", "true", "false", "TRUE"),
        Gen.String[0, 12].Select(s => "\"" + s.Replace("\"", "\\\"", StringComparison.Ordinal) + "\""),
        Gen.OneOf("\"\"", "'a'", "\"%\"", "\"_%_\"", "\"\\\"\"", "\"\\\\\"", "\"unterminated", "'mixed\"", "\"ü漢字🙂\""));

    /// <summary>A filter expression from the grammar, up to <paramref name="maxDepth"/> levels, sometimes damaged.</summary>
    public static Gen<string> Expression(int maxDepth = 12) => Gen.Frequency(
        (8, Grammar(maxDepth)),
        (2, Grammar(maxDepth).SelectMany(Damaged)),
        (1, Deep),
        (1, Gen.String[0, 80]));

    /// <summary>Nesting far past the limit, of every construct that nests, and chains of alternatives up to past the size limit.</summary>
    public static readonly Gen<string> Deep = Gen.Int[60, 3_000].SelectMany(levels => Gen.OneOf(
        new string('(', levels) + "id > 1" + new string(')', levels),
        string.Concat(Enumerable.Repeat("not ", levels)) + "flag",
        new string('-', levels) + "rank < 0",
        "rank" + string.Concat(Enumerable.Repeat(" + 1", levels)) + " > 0",
        string.Join(" or ", Enumerable.Repeat("id == 1", levels)),
        string.Join(" or ", Enumerable.Range(0, levels).Select(i => $"rank > {i}")),
        new string('(', levels)));

    /// <summary>A schema, valid or breaking one rule: names, counts, dimensions, types, keys.</summary>
    public static readonly Gen<CollectionSchema> Schemas = Gen.Select(
        Gen.OneOf("fuzz_schema", "../x", "", "a b", "_ok", new string('x', 256), "名字"),
        Gen.Int[0, 70],
        Gen.Int[-1, 40_000],
        Gen.Int[-1, 20],
        Gen.Int[0, 3],
        Gen.Int[0, 2_000],
        (name, scalars, dimension, shards, keys, description) => new CollectionSchema(
            name,
            [
                .. Enumerable.Range(0, keys).Select(k => k == 0 ? FieldSchema.Int64Key("id") : FieldSchema.VarCharKey($"key{k}", 8)),
                FieldSchema.FloatVector("vec", dimension),
                .. Enumerable.Range(0, scalars).Select(i => FieldSchema.Scalar($"s{i % 60}", (DataType)(i % 9), i % 9 == (int)DataType.VarChar ? 8 : 0)),
            ],
            shards,
            new string('d', description)));

    /// <summary>A batch for <see cref="Schema"/>: well formed, or with one column of the wrong length, type or values.</summary>
    public static readonly Gen<RowBatch> Batches = Gen.Select(Gen.Int[0, 40], Gen.Int[0, 9], Gen.Long[0, 1_000], (rows, damage, first) => Batch(rows, damage, first));

    /// <summary>A read or write against collection <see cref="Schema"/>.</summary>
    public static readonly Gen<FuzzRequest> Requests = Gen.Frequency(
        (4, Gen.Select(Expression(), Gen.Int[-1, 20], Gen.Int[-2, 20_000], Gen.Int[-1, 2], (filter, queries, topK, outputs) =>
            (FuzzRequest)new FuzzSearch(filter, queries, topK, OutputFields(outputs)))),
        (3, Gen.Select(Expression(), Gen.Int[-5, 20_000], Gen.Int[-5, 20_000], Gen.Int[-1, 2], (filter, limit, offset, outputs) =>
            (FuzzRequest)new FuzzQuery(filter, limit, offset, OutputFields(outputs)))),
        (2, Expression().Select(filter => (FuzzRequest)new FuzzCount(filter))),
        (2, Gen.Long[-5, 2_000].Array[0, 30].Select(keys => (FuzzRequest)new FuzzGet(keys))),
        (2, Batches.Select(rows => (FuzzRequest)new FuzzInsert(rows))),
        (1, Expression().Select(filter => (FuzzRequest)new FuzzDelete(filter))),
        (1, Schemas.Select(schema => (FuzzRequest)new FuzzCreate(schema))));

    private static Gen<string> Grammar(int maxDepth) => Gen.Recursive<string>((depth, self) => depth >= maxDepth
        ? Atom
        : Gen.Frequency(
            (3, Atom),
            (3, Gen.Select(self, Gen.OneOf(Logical.Select(Gen.Const).ToArray()), self, (a, op, b) => $"{a} {op} {b}")),
            (2, Gen.Select(Term(self), Gen.OneOf(Comparisons.Select(Gen.Const).ToArray()), Term(self), (a, op, b) => $"{a} {op} {b}")),
            (1, self.Select(e => $"({e})")),
            (1, self.Select(e => $"not {e}")),
            (1, Gen.Select(Field, Gen.Bool, Literal.Array[0, 6], (f, negated, values) => $"{f} {(negated ? "not in" : "in")} [{string.Join(", ", values)}]")),
            (1, Gen.Select(Field, Literal, (f, pattern) => $"{f} like {pattern}")),
            (1, Gen.Select(Literal, Field, Literal, (low, f, high) => $"{low} < {f} <= {high}"))));

    private static Gen<string> Field => Gen.OneOf(Fields.Select(Gen.Const).ToArray());

    private static Gen<string> Atom => Gen.Frequency(
        (4, Gen.Select(Field, Gen.OneOf(Comparisons.Select(Gen.Const).ToArray()), Literal, (f, op, v) => $"{f} {op} {v}")),
        (1, Field),
        (1, Literal));

    private static Gen<string> Term(Gen<string> self) => Gen.Frequency(
        (4, Field),
        (3, Literal),
        (1, Gen.Select(Field, Gen.OneOf(Arithmetic.Select(Gen.Const).ToArray()), Literal, (f, op, v) => $"{f} {op} {v}")),
        (1, self.Select(e => $"-({e})")));

    /// <summary><paramref name="expression"/> with a few characters cut, doubled or replaced.</summary>
    private static Gen<string> Damaged(string expression) => Gen.Select(Gen.Int[0, Math.Max(0, expression.Length - 1)], Gen.Int[0, 3], Gen.Char, (at, how, noise) => expression.Length == 0
        ? noise.ToString()
        : how switch
        {
            0 => expression.Remove(at, 1),
            1 => expression.Insert(at, noise.ToString()),
            2 => expression[..at] + noise + expression[(at + 1)..],
            _ => expression[..at],
        });

    private static string[] OutputFields(int choice) => choice switch
    {
        -1 => [.. Enumerable.Repeat("title", 70)],
        0 => [],
        1 => ["title", "meta", "vec", "score"],
        _ => ["nope", "id"],
    };

    /// <summary><paramref name="count"/> valid rows of <see cref="Schema"/> with keys <paramref name="first"/>..</summary>
    public static RowBatch Rows(long first, int count) => Batch(count, damage: 0, first);

    private static RowBatch Batch(int rows, int damage, long first)
    {
        var keys = Enumerable.Range(0, rows).Select(i => first + i).ToArray();
        var vectors = keys.SelectMany(k => Enumerable.Range(0, Dimension).Select(d => (float)(k + d))).ToArray();
        List<FieldColumn> columns =
        [
            FieldColumn.Int64("id", keys),
            FieldColumn.FloatVector("vec", Dimension, vectors),
            FieldColumn.VarChar("title", [.. keys.Select(k => "t" + k.ToString(CultureInfo.InvariantCulture))]),
            FieldColumn.Double("score", [.. keys.Select(k => k / 3.0)]),
            FieldColumn.Int32("rank", [.. keys.Select(k => (int)(k % 100))]),
            FieldColumn.Float("weight", [.. keys.Select(k => k / 7f)]),
            FieldColumn.Bool("flag", [.. keys.Select(k => k % 2 == 0)]),
            FieldColumn.Json("meta", [.. keys.Select(k => $$$"""{"k":{{{k}}},"a":{"b":"{{{k % 5}}}"}}""")]),
        ];
        switch (damage)
        {
            case 1 when rows > 0:
                columns[1] = FieldColumn.FloatVector("vec", Dimension, [.. vectors.Select((v, i) => i == 1 ? float.NaN : v)]);
                break;
            case 2:
                columns[2] = FieldColumn.VarChar("title", [.. keys.Select(_ => new string('x', 40))]);
                break;
            case 3 when rows > 0:
                columns[7] = FieldColumn.Json("meta", [.. keys.Select(_ => "{not json")]);
                break;
            case 4:
                columns.RemoveAt(3);
                break;
            case 5:
                columns.Add(FieldColumn.Int32("extra", new int[rows]));
                break;
            case 6 when rows > 1:
                columns[4] = FieldColumn.Int32("rank", new int[rows - 1]);
                break;
            case 7:
                columns[1] = FieldColumn.FloatVector("vec", Dimension + 1, new float[rows * (Dimension + 1)]);
                break;
        }

        return new RowBatch(columns);
    }
}
