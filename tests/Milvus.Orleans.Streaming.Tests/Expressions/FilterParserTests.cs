using Milvus.Orleans.Expressions;
using Milvus.Orleans.Streaming.Tests.Collections;

namespace Milvus.Orleans.Streaming.Tests.Expressions;

public sealed class FilterParserTests
{
    [Theory]
    [InlineData("id == 5", "(id == 5)")]
    [InlineData("id in [1, 2, -3]", "(id in [1, 2, -3])")]
    [InlineData("id not in []", "(id not in [])")]
    [InlineData("score >= 1.5e2 AND NOT flag", "((score >= 150) and (not flag))")]
    [InlineData("a || b && c", "(a or (b and c))")]
    [InlineData("(a or b) and c", "((a or b) and c)")]
    [InlineData("1 < rank <= 5", "((1 < rank) and (rank <= 5))")]
    [InlineData("10 > rank > 2", "((10 > rank) and (rank > 2))")]
    [InlineData("rank * 2 + 1 == weight % 3 - -1", "(((rank * 2) + 1) == ((weight % 3) - -1))")]
    [InlineData("-rank < 0", "((-rank) < 0)")]
    [InlineData("title like 'row 1%'", "(title like \"row 1%\")")]
    [InlineData("meta[\"k\"][\"inner\"] != \"x\\\"y\"", "(meta[\"k\"][\"inner\"] != \"x\"y\")")]
    [InlineData("flag == True", "(flag == True)")]
    public void Parse_WhenTheExpressionIsValid_BuildsTheTree(string expression, string expected) =>
        Assert.Equal(expected, Show(FilterParser.Parse(expression)));

    [Theory]
    [InlineData("", 0, "the expression ends where a field or a value was expected (it is empty)")]
    [InlineData("id ==", 5, "the expression ends where a field or a value was expected")]
    [InlineData("id == 5 id", 8, "expected an operator or the end, found 'id'")]
    [InlineData("id in [1, x]", 10, "a list holds values only")]
    [InlineData("id in (1, 2)", 6, "expected '[', found '('")]
    [InlineData("title like 5", 11, "'like' needs a string pattern, found '5'")]
    [InlineData("title == 'open", 9, "the string starting here has no closing '")]
    [InlineData("id == 99999999999999999999", 6, "'99999999999999999999' is not a 64-bit integer")]
    [InlineData("1 < rank > 5", 9, "'>' cannot follow a comparison")]
    [InlineData("id # 3", 3, "unexpected character '#'")]
    [InlineData("meta[1] == 2", 5, "a JSON key is a string")]
    [InlineData("(id == 1", 8, "expected ')', found the end")]
    [InlineData("and == 1", 0, "expected a field or a value, found the keyword 'and'")]
    public void Parse_WhenTheExpressionIsInvalid_NamesThePositionAndTheProblem(string expression, int position, string problem)
    {
        var error = Assert.Throws<MilvusException>(() => FilterParser.Parse(expression));

        Assert.Equal(ErrorCode.InvalidExpression, error.Code);
        Assert.StartsWith($"Invalid expression at position {position}: {problem}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("parentheses")]
    [InlineData("not")]
    [InlineData("minus")]
    [InlineData("additions")]
    public void Parse_WhenNestedDeeperThanTheLimit_FailsNamingTheLimit(string kind)
    {
        // 30,000 parentheses overflowed the stack of the silo that parsed the filter, and killed it.
        foreach (var levels in new[] { FilterParser.MaxDepth + 1, 30_000 })
        {
            var text = kind switch
            {
                "parentheses" => new string('(', levels) + "a" + new string(')', levels),
                "not" => string.Concat(Enumerable.Repeat("not ", levels)) + "a",
                "minus" => new string('-', levels) + "a < 0",
                _ => "a" + string.Concat(Enumerable.Repeat(" + 1", levels)) + " > 0",
            };

            var error = Assert.Throws<MilvusException>(() => FilterParser.Parse(text[..Math.Min(text.Length, FilterParser.MaxLength)]));

            Assert.Equal(ErrorCode.InvalidExpression, error.Code);
            Assert.Contains($"the expression nests deeper than {FilterParser.MaxDepth} levels", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Parse_WhenNestedAtTheLimit_BuildsTheTree()
    {
        var text = string.Concat(Enumerable.Repeat("not ", FilterParser.MaxDepth - 2)) + "a == 1";

        Assert.Equal(FilterParser.MaxDepth, FilterParser.Parse(text).Depth);
    }

    [Fact]
    public void Parse_WhenManyTermsAreJoinedByOr_BuildsABalancedTreeThatKeepsTheirOrder()
    {
        var text = string.Join(" or ", Enumerable.Range(0, 500).Select(i => $"rank > {i}"));

        var node = FilterParser.Parse(text);

        Assert.Equal(11, node.Depth);
        Assert.Equal(1_999, node.Nodes);
        Assert.Equal("(((a or b) or c) or (d or e))", Show(FilterParser.Parse("a or b or c or d or e")));
    }

    [Theory]
    [InlineData("id == 1 or id == 2", "(id in [1, 2])")]
    [InlineData("id == 1 or rank > 2 or 3 == id or id in [4, 5]", "((id in [1, 3, 4, 5]) or (rank > 2))")]
    [InlineData("meta[\"a\"] == 1 or meta[\"b\"] == 2 or meta[\"a\"] == 'x'", "((meta[\"a\"] in [1, \"x\"]) or (meta[\"b\"] == 2))")]
    [InlineData("rank == 1 or id == 2 or rank == 3.5 or id == 4", "((rank in [1, 3.5]) or (id in [2, 4]))")]
    [InlineData("flag == true or flag == false", "((flag == True) or (flag == False))")]
    [InlineData("id not in [1] or id == 2", "((id not in [1]) or (id == 2))")]
    [InlineData("id == 1 and id == 2", "((id == 1) and (id == 2))")]
    [InlineData("id == rank or id == 2", "((id == rank) or (id == 2))")]
    public void Parse_WhenAlternativesTestOneFieldForEquality_CombinesThemIntoOneInList(string expression, string expected) =>
        Assert.Equal(expected, Show(FilterParser.Parse(expression)));

    [Fact]
    public void Parse_WhenThousandsOfKeysAreJoinedByOr_MakesOneInListOfThemInOrder()
    {
        var text = string.Join(" or ", Enumerable.Range(0, 4_000).Select(i => $"id == {i}"));

        var node = FilterParser.Parse(text);

        Assert.Equal(2, node.Nodes);
        Assert.Equal(Enumerable.Range(0, 4_000).Select(i => (long)i), PrimaryKeyFilter.Keys(node, TestRows.Schema("c"))!.Int64!);
    }

    [Fact]
    public void Parse_WhenTheExpressionHasMoreNodesThanTheLimit_FailsNamingTheLimit()
    {
        var text = string.Join(" or ", Enumerable.Range(0, 683).Select(i => $"rank > {i}"));

        var error = Assert.Throws<MilvusException>(() => FilterParser.Parse(text));

        Assert.Equal(ErrorCode.InvalidExpression, error.Code);
        Assert.Equal($"The expression has 2731 operators and operands; at most {FilterParser.MaxNodes} are accepted (equality tests of one field joined by 'or' count as one 'in' list).", error.Message);
    }

    [Theory]
    [InlineData("id in [3, 1, 3]", new long[] { 3, 1 })]
    [InlineData("id == 7 or 8 == id or id in [9]", new long[] { 7, 8, 9 })]
    [InlineData("id in []", new long[0])]
    public void Keys_WhenTheFilterSelectsByPrimaryKeyAlone_ReturnsTheKeysInOrderOnce(string expression, long[] keys)
    {
        var schema = TestRows.Schema("c");

        Assert.Equal(keys, PrimaryKeyFilter.Keys(PrimaryKeyFilter.Parse(expression, schema), schema)!.Int64);
    }

    [Theory]
    [InlineData("id in [1] and rank == 2")]
    [InlineData("id not in [1]")]
    [InlineData("rank == 2")]
    [InlineData("id > 3")]
    public void Keys_WhenTheFilterNeedsOtherFieldsOrRanges_ReturnsNull(string expression)
    {
        var schema = TestRows.Schema("c");

        Assert.Null(PrimaryKeyFilter.Keys(PrimaryKeyFilter.Parse(expression, schema), schema));
    }

    [Theory]
    [InlineData("nope == 1", 0, "collection 'c' has no field 'nope'; it has id, vec, title, score, rank, weight, flag, meta")]
    [InlineData("rank[\"a\"] == 1", 0, "field 'rank' is Int32; [\"key\"] access works on JSON fields only")]
    [InlineData("vec == 1", 0, "field 'vec' is a vector; filters compare scalar fields")]
    [InlineData("id in [1, 'two']", 10, "primary key 'id' is Int64, so its values are an integer; found two")]
    public void Parse_WhenTheFilterDoesNotFitTheSchema_NamesThePositionAndTheProblem(string expression, int position, string problem)
    {
        var schema = TestRows.Schema("c");

        var error = Assert.Throws<MilvusException>(() => PrimaryKeyFilter.Keys(PrimaryKeyFilter.Parse(expression, schema), schema));

        Assert.Equal(ErrorCode.InvalidExpression, error.Code);
        Assert.Equal($"Invalid expression at position {position}: {problem}.", error.Message);
    }

    private static string Show(FilterNode node) => node switch
    {
        FieldNode field => field.Field + string.Concat(field.JsonPath.Select(p => $"[\"{p}\"]")),
        LiteralNode { Value: string text } => $"\"{text}\"",
        LiteralNode { Value: double real } => real.ToString(System.Globalization.CultureInfo.InvariantCulture),
        LiteralNode literal => Convert.ToString(literal.Value, System.Globalization.CultureInfo.InvariantCulture)!,
        UnaryNode { Operator: UnaryOperator.Not } not => $"(not {Show(not.Operand)})",
        UnaryNode negate => $"(-{Show(negate.Operand)})",
        InNode inList => $"({Show(inList.Operand)} {(inList.Negated ? "not in" : "in")} [{string.Join(", ", inList.Values.Select(Show))}])",
        LikeNode like => $"({Show(like.Operand)} like \"{like.Pattern}\")",
        BinaryNode binary => $"({Show(binary.Left)} {Symbol(binary.Operator)} {Show(binary.Right)})",
        _ => throw new ArgumentOutOfRangeException(nameof(node)),
    };

    private static string Symbol(BinaryOperator op) => op switch
    {
        BinaryOperator.Or => "or",
        BinaryOperator.And => "and",
        BinaryOperator.Equal => "==",
        BinaryOperator.NotEqual => "!=",
        BinaryOperator.Less => "<",
        BinaryOperator.LessOrEqual => "<=",
        BinaryOperator.Greater => ">",
        BinaryOperator.GreaterOrEqual => ">=",
        BinaryOperator.Add => "+",
        BinaryOperator.Subtract => "-",
        BinaryOperator.Multiply => "*",
        BinaryOperator.Divide => "/",
        _ => "%",
    };
}
