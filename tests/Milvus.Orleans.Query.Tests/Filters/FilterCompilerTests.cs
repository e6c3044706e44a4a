using Milvus.Orleans.Expressions;
using Milvus.Orleans.Query.Filters;
using Milvus.Orleans.Schema;
using Row = Milvus.Orleans.Query.Tests.Filters.FilterRows.Row;

namespace Milvus.Orleans.Query.Tests.Filters;

/// <summary>Filters in Milvus' expression syntax, each checked row by row against the same condition written in C#.</summary>
public sealed class FilterCompilerTests
{
    /// <summary>Expression → the rows it must select.</summary>
    private static readonly Dictionary<string, Func<Row, bool>> Table = new(StringComparer.Ordinal)
    {
        ["id < 50"] = r => r.Id < 50,
        ["id >= 150 and flag"] = r => r.Id >= 150 && r.Flag,
        ["rank in [1, 2, 3, 12]"] = r => r.Rank is 1 or 2 or 3 or 12,
        ["rank not in [1, 2, 3]"] = r => r.Rank is not (1 or 2 or 3),
        ["title like \"row 1%\""] = r => r.Title.StartsWith("row 1", StringComparison.Ordinal),
        ["title like \"%5\""] = r => r.Title.EndsWith('5'),
        ["title like \"%ow 1_\""] = r => r.Title.Length == 6 && r.Title.StartsWith("row 1", StringComparison.Ordinal),
        ["title like \"r%w%1%9\""] = r => r.Title.StartsWith("row 1", StringComparison.Ordinal) && r.Title.EndsWith('9'),
        ["title like \"%_o_%2_\""] = r => r.Title.Length >= 6 && r.Title[^2] == '2',
        ["meta[\"k\"] in [3, 4.0, \"5\"]"] = r => r.K is 3 or 4,
        ["10 < id <= 20"] = r => r.Id is > 10 and <= 20,
        ["100 > id > 90"] = r => r.Id is < 100 and > 90,
        ["score > 30.5"] = r => r.Score > 30.5,
        ["score == 25"] = r => r.Score == 25,
        ["weight < 10"] = r => r.Weight < 10,
        ["id % 7 == 0"] = r => r.Id % 7 == 0,
        ["id * 2 + 1 > 301"] = r => (r.Id * 2) + 1 > 301,
        ["(id - 100) / 3 == 5"] = r => (r.Id - 100) / 3 == 5,
        ["not (flag or id < 100)"] = r => !(r.Flag || r.Id < 100),
        ["!flag && rank < 10"] = r => !r.Flag && r.Rank < 10,
        ["meta[\"k\"] > 180"] = r => r.K > 180,
        ["meta[\"tag\"] == \"blue\""] = r => r.Tag == "blue",
        ["meta[\"nested\"][\"x\"] < 2"] = r => r.NestedX < 2,
        ["meta[\"tag\"] in [\"red\", \"green\"]"] = r => r.Tag is "red" or "green",
        ["meta[\"maybe\"] == 1"] = r => r.HasMaybe,
        ["meta[\"maybe\"] != 1"] = _ => false,
        ["meta[\"tag\"] like \"gr%\""] = r => r.Tag == "green",
        ["meta[\"k\"] % 2 == 0"] = r => r.K % 2 == 0,
        ["meta[\"k\"] not in [1, 2, 3]"] = r => r.K is { } k && k is not (1 or 2 or 3),
        ["flag == false"] = r => !r.Flag,
        ["title == \"row 42\" or title == \"row 43\""] = r => r.Id is 42 or 43,
        ["-id > -5"] = r => -r.Id > -5,
        ["score / 2 >= 40"] = r => r.Score / 2 >= 40,
        ["rank != 5"] = r => r.Rank != 5,
        ["id in []"] = _ => false,
        ["TRUE"] = _ => true,
        ["id > 10 AND id < 20 OR id == 199"] = r => (r.Id > 10 && r.Id < 20) || r.Id == 199,
        ["rank == 3 or id == 5 or 4.0 == rank or id in [6, 7.5] or id == 8"] = r => r.Rank is 3 or 4 || r.Id is 5 or 6 or 8,
        ["meta[\"k\"] == 7 or meta[\"k\"] == 9.0 or meta[\"tag\"] == \"red\" or meta[\"k\"] == \"7\""] = r => r.K is 7 or 9 || r.Tag == "red",
    };

    public static TheoryData<string> Valid => new(Table.Keys);

    [Theory]
    [MemberData(nameof(Valid))]
    public void Bind_OfAValidExpression_SelectsTheRowsItsLinqTwinSelects(string expression)
    {
        var rows = FilterRows.Batch(FilterRows.All);
        var predicate = FilterCompiler.Bind(FilterParser.Parse(expression), FilterRows.Schema, rows);

        var selected = FilterRows.All.Where((_, i) => predicate(i)).Select(r => r.Id);

        Assert.Equal(FilterRows.All.Where(Table[expression]).Select(r => r.Id), selected);
    }

    [Theory]
    [InlineData("color == \"red\"", new long[] { 0, 2 })]
    [InlineData("n >= 1 and color != \"red\"", new long[] { 1 })]
    [InlineData("info[\"deep\"] == 1", new long[] { 1 })]
    [InlineData("missing == 1", new long[0])]
    [InlineData("id == 1 or size > 4", new long[] { 1 })]
    public void Bind_WhenTheCollectionHasADynamicField_ReadsNamesItDoesNotDeclareAsKeysOfIt(string expression, long[] expected)
    {
        var schema = CollectionSchema.Of("dynamic", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", 2)], enableDynamicField: true);
        string[] dynamic = ["""{"color":"red","n":0}""", """{"color":"blue","n":1,"info":{"deep":1}}""", """{"color":"red","n":2}""", """{"n":3}"""];
        var rows = new Data.RowBatch(
            [Data.FieldColumn.Int64("id", [0, 1, 2, 3]), Data.FieldColumn.FloatVector("vec", 2, new float[8]), Data.FieldColumn.Json(CollectionSchema.DynamicFieldName, dynamic)]);

        var predicate = FilterCompiler.Bind(FilterParser.Parse(expression), schema, rows);

        Assert.Equal(expected, Enumerable.Range(0, 4).Where(predicate).Select(i => (long)i));
    }

    [Theory]
    [InlineData("id >", "Invalid expression at position 4: the expression ends where a field or a value was expected.")]
    [InlineData("unknown > 5", "Invalid expression at position 0: collection 'filters' has no field 'unknown'.")]
    [InlineData("title > 5", "Invalid expression at position 6: cannot compare field 'title' (VarChar), text, with 5, an integer.")]
    [InlineData("vec > 1", "Invalid expression at position 0: field 'vec' (FloatVector) is a vector and cannot be filtered on.")]
    [InlineData("id and flag", "Invalid expression at position 0: 'and' needs conditions, and field 'id' (Int64) is an integer.")]
    [InlineData("title like 5", "Invalid expression at position 11: 'like' needs a string pattern, found '5'.")]
    [InlineData("id % 0 == 1", "Invalid expression at position 5: '%' by zero.")]
    [InlineData("meta > 1", "Invalid expression at position 0: field 'meta' (Json) is JSON: filter on a value inside it, as in meta[\"key\"].")]
    [InlineData("flag < true", "Invalid expression at position 5: booleans are compared with == and != only, not <.")]
    [InlineData("score % 2 == 0", "Invalid expression at position 0: '%' needs integers, and field 'score' (Double) is a float.")]
    [InlineData("id in [1, \"a\"]", "Invalid expression at position 10: field 'id' (Int64) is an integer and cannot equal text.")]
    [InlineData("rank", "Invalid expression at position 0: the filter must be a condition, not an integer.")]
    [InlineData("id == 1)", "Invalid expression at position 7: expected an operator or the end, found ')'.")]
    [InlineData("title[\"a\"] == 1", "Invalid expression at position 0: field 'title' (VarChar) is not JSON and has no keys.")]
    [InlineData("flag like \"a%\"", "Invalid expression at position 5: 'like' needs text, and field 'flag' (Bool) is a boolean.")]
    [InlineData("title + 1 > 2", "Invalid expression at position 0: '+' needs numbers, and field 'title' (VarChar) is text.")]
    public void Check_OfAnInvalidExpression_FailsWithInvalidExpressionAtItsPosition(string expression, string message)
    {
        var error = Assert.Throws<MilvusException>(() => FilterCompiler.Check(FilterParser.Parse(expression), FilterRows.Schema));

        Assert.Equal(ErrorCode.InvalidExpression, error.Code);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Bind_WhenATreeIsDeeperThanTheParserAllows_FailsBeforeCompiling()
    {
        FilterNode node = new BinaryNode(BinaryOperator.Equal, new FieldNode("id", [], 0), new LiteralNode(1L, 6), 3);
        for (var i = 0; i < 10_000; i++)
        {
            node = new UnaryNode(UnaryOperator.Not, node, 0);
        }

        var error = Assert.Throws<MilvusException>(() => FilterCompiler.Bind(node, FilterRows.Schema, FilterRows.Batch(FilterRows.All)));

        Assert.Equal(ErrorCode.InvalidExpression, error.Code);
        Assert.Equal($"Invalid expression at position 0: the expression nests deeper than {FilterParser.MaxDepth} levels.", error.Message);
    }

    [Fact]
    public void Bind_WhenATreeHasMoreNodesThanTheParserAllows_FailsBeforeCompiling()
    {
        FilterNode node = new BinaryNode(BinaryOperator.Greater, new FieldNode("id", [], 0), new LiteralNode(1L, 5), 3);
        for (var i = 0; i < 10; i++)
        {
            node = new BinaryNode(BinaryOperator.Or, node, node, 0);
        }

        var error = Assert.Throws<MilvusException>(() => FilterCompiler.Bind(node, FilterRows.Schema, FilterRows.Batch(FilterRows.All)));

        Assert.Equal(ErrorCode.InvalidExpression, error.Code);
        Assert.Equal($"The expression has 4095 operators and operands; at most {FilterParser.MaxNodes} are accepted (equality tests of one field joined by 'or' count as one 'in' list).", error.Message);
    }

    [Fact]
    public void Check_WhenAnOperandIsLong_NamesItShortened()
    {
        var text = new string('x', 500);

        var error = Assert.Throws<MilvusException>(() => FilterCompiler.Check(FilterParser.Parse($"id == \"{text}\""), FilterRows.Schema));

        Assert.Equal($"Invalid expression at position 3: cannot compare field 'id' (Int64), an integer, with \"{text[..119]}…, text.", error.Message);
    }

    [Fact]
    public void Table_WhenCounted_Has25ExpressionsThatSelectSomeButNotAllRows()
    {
        Assert.True(Table.Count >= 25, $"{Table.Count} expressions");
        var partial = Table.Values.Count(f => FilterRows.All.Any(f) && !FilterRows.All.All(f));
        Assert.True(partial >= 25, $"only {partial} expressions select some but not all rows");
    }
}
