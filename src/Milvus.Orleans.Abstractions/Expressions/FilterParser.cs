using System.Globalization;
using System.Text;

namespace Milvus.Orleans.Expressions;

/// <summary>
/// Parses Milvus' boolean expression syntax: comparisons (<c>== != &lt; &lt;= &gt; &gt;=</c>, chained as a range:
/// <c>1 &lt; x &lt;= 5</c>), <c>in</c> / <c>not in</c> lists, <c>like</c>, <c>and</c>/<c>&amp;&amp;</c>,
/// <c>or</c>/<c>||</c>, <c>not</c>/<c>!</c>, arithmetic (<c>+ - * / %</c>), parentheses, JSON access
/// (<c>meta["key"]</c>), and integer, float, string and boolean literals. Keywords are case-insensitive. A bad
/// expression gets <see cref="ErrorCode.InvalidExpression"/> with the position of the error.
/// </summary>
/// <remarks>
/// Terms joined by one <c>and</c> or <c>or</c> chain become a balanced tree, so a long list of alternatives stays
/// shallow; every other construct adds a level. Both the recursion of parsing and the depth of the tree are bounded by
/// <see cref="MaxDepth"/>, checked before going deeper, so no expression can exhaust the stack of whoever parses,
/// compiles or evaluates it. Alternatives that test one field for equality (<c>x == 1 or x in [2, 3]</c>) become one
/// <c>in</c> list, which costs one lookup per row however long it is; what remains is bounded by <see cref="MaxNodes"/>,
/// since every node costs work per row.
/// </remarks>
public static class FilterParser
{
    /// <summary>The longest expression accepted.</summary>
    public const int MaxLength = 64 * 1024;

    /// <summary>The deepest expression tree accepted (parentheses, <c>not</c>, unary minus and operators each add a level).</summary>
    public const int MaxDepth = 64;

    /// <summary>The most operators and operands accepted in one expression, after equality tests of one field are combined into <c>in</c> lists.</summary>
    public const int MaxNodes = 2048;

    /// <summary>The longest <c>like</c> pattern accepted: matching costs up to its length per character of text.</summary>
    public const int MaxLikePattern = 1024;

    /// <summary>Parses <paramref name="text"/>.</summary>
    public static FilterNode Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLength)
        {
            throw new MilvusException(ErrorCode.InvalidExpression, $"The expression is {text.Length} characters long; at most {MaxLength} are accepted.");
        }

        var parser = new Parser(text, Tokenize(text));
        var node = parser.ParseOr();
        parser.ExpectEnd();
        CheckSize(node);
        return node;
    }

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = i;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Identifier, text[start..i], start));
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                tokens.Add(Number(text, ref i));
            }
            else if (c is '"' or '\'')
            {
                tokens.Add(String(text, ref i));
            }
            else
            {
                var two = i + 1 < text.Length ? text.Substring(i, 2) : null;
                if (two is "==" or "!=" or "<=" or ">=" or "&&" or "||")
                {
                    tokens.Add(new Token(TokenKind.Symbol, two, i));
                    i += 2;
                }
                else if ("<>+-*/%()[],!".Contains(c, StringComparison.Ordinal))
                {
                    tokens.Add(new Token(TokenKind.Symbol, c.ToString(), i));
                    i++;
                }
                else
                {
                    throw Error(i, $"unexpected character '{c}'");
                }
            }
        }

        tokens.Add(new Token(TokenKind.End, string.Empty, text.Length));
        return tokens;
    }

    private static Token Number(string text, ref int i)
    {
        var start = i;
        var isFloat = false;
        while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'
            || ((text[i] is 'e' or 'E') && i + 1 < text.Length)
            || ((text[i] is '+' or '-') && text[i - 1] is 'e' or 'E')))
        {
            isFloat |= text[i] is '.' or 'e' or 'E';
            i++;
        }

        var literal = text[start..i];
        if (isFloat)
        {
            return double.TryParse(literal, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real)
                ? new Token(TokenKind.Literal, literal, start, real)
                : throw Error(start, $"'{literal}' is not a number");
        }

        return long.TryParse(literal, NumberStyles.None, CultureInfo.InvariantCulture, out var integer)
            ? new Token(TokenKind.Literal, literal, start, integer)
            : throw Error(start, $"'{literal}' is not a 64-bit integer");
    }

    private static Token String(string text, ref int i)
    {
        var start = i;
        var quote = text[i++];
        var value = new StringBuilder();
        while (i < text.Length && text[i] != quote)
        {
            if (text[i] == '\\' && i + 1 < text.Length)
            {
                i++;
                value.Append(text[i] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', var other => other });
            }
            else
            {
                value.Append(text[i]);
            }

            i++;
        }

        if (i == text.Length)
        {
            throw Error(start, $"the string starting here has no closing {quote}");
        }

        i++;
        return new Token(TokenKind.Literal, text[start..i], start, value.ToString());
    }

    /// <summary>
    /// Throws <see cref="ErrorCode.InvalidExpression"/> if <paramref name="node"/>'s tree is deeper than
    /// <see cref="MaxDepth"/> or has more than <see cref="MaxNodes"/> nodes.
    /// </summary>
    public static void CheckSize(FilterNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.Depth > MaxDepth)
        {
            throw TooDeep(node.Position);
        }

        if (node.Nodes > MaxNodes)
        {
            throw new MilvusException(ErrorCode.InvalidExpression, $"The expression has {node.Nodes} operators and operands; at most {MaxNodes} are accepted (equality tests of one field joined by 'or' count as one 'in' list).");
        }
    }

    /// <summary>The error for an expression that is wrong at <paramref name="position"/>.</summary>
    public static MilvusException Error(int position, string problem) =>
        new(ErrorCode.InvalidExpression, $"Invalid expression at position {position}: {problem}.");

    private static MilvusException TooDeep(int position) => Error(position, $"the expression nests deeper than {MaxDepth} levels");

    private enum TokenKind
    {
        Identifier,
        Literal,
        Symbol,
        End,
    }

    private sealed record Token(TokenKind Kind, string Text, int Position, object? Value = null)
    {
        public bool Is(string symbol) => Kind == TokenKind.Symbol && Text == symbol;

        public bool IsKeyword(string keyword) => Kind == TokenKind.Identifier && string.Equals(Text, keyword, StringComparison.OrdinalIgnoreCase);

        public string Describe() => Kind == TokenKind.End ? "the end" : $"'{Text}'";
    }

    private sealed class Parser(string text, List<Token> tokens)
    {
        private static readonly string[] Keywords = ["and", "or", "not", "in", "like", "true", "false"];
        private int _next;
        private int _nesting;

        private Token Current => tokens[_next];

        public FilterNode ParseOr() => ParseChain(BinaryOperator.Or, "or", "||", ParseAnd);

        public void ExpectEnd()
        {
            if (Current.Kind != TokenKind.End)
            {
                throw Error(Current.Position, $"expected an operator or the end, found {Current.Describe()}");
            }
        }

        private FilterNode ParseAnd() => ParseChain(BinaryOperator.And, "and", "&&", ParseNot);

        /// <summary>Operands joined by one associative operator, as a balanced tree of them in their order.</summary>
        private FilterNode ParseChain(BinaryOperator op, string keyword, string symbol, Func<FilterNode> operand)
        {
            var operands = new List<FilterNode> { operand() };
            var positions = new List<int>();
            while (Current.IsKeyword(keyword) || Current.Is(symbol))
            {
                positions.Add(Take().Position);
                operands.Add(operand());
            }

            if (op == BinaryOperator.Or && operands.Count > 1)
            {
                CombineEqualities(operands, positions);
            }

            return Balanced(op, operands, positions, 0, operands.Count - 1);
        }

        /// <summary>
        /// Replaces the alternatives that test one field for equality with a literal (<c>x == 1</c>, <c>1 == x</c>,
        /// <c>x in [2, 3]</c>) by one <c>in</c> list of all their values, where the first of them stood: the same rows
        /// match, at one lookup per row instead of one comparison per alternative. Booleans stay comparisons, since
        /// <c>in</c> takes numbers and text only.
        /// </summary>
        private static void CombineEqualities(List<FilterNode> operands, List<int> positions)
        {
            var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            for (var i = 0; i < operands.Count; i++)
            {
                if (EqualityTest(operands[i]) is var (field, _))
                {
                    var key = string.Join('\0', [field.Field, .. field.JsonPath]);
                    if (!groups.TryGetValue(key, out var members))
                    {
                        groups[key] = members = [];
                    }

                    members.Add(i);
                }
            }

            var removed = new SortedSet<int>();
            foreach (var members in groups.Values.Where(m => m.Count > 1))
            {
                var first = members[0];
                var field = EqualityTest(operands[first])!.Value.Field;
                var values = members.SelectMany(i => EqualityTest(operands[i])!.Value.Values).ToList();
                operands[first] = new InNode(field, values, Negated: false, operands[first].Position);
                removed.UnionWith(members.Skip(1));
            }

            // Each removed operand takes the operator before it along; the first operand has none before it and is never removed.
            foreach (var index in removed.Reverse())
            {
                operands.RemoveAt(index);
                positions.RemoveAt(index - 1);
            }
        }

        private static (FieldNode Field, IReadOnlyList<LiteralNode> Values)? EqualityTest(FilterNode node) => node switch
        {
            BinaryNode { Operator: BinaryOperator.Equal, Left: FieldNode field, Right: LiteralNode { Value: not bool } value } => (field, [value]),
            BinaryNode { Operator: BinaryOperator.Equal, Left: LiteralNode { Value: not bool } value, Right: FieldNode field } => (field, [value]),
            InNode { Negated: false, Operand: FieldNode field } list => (field, list.Values),
            _ => null,
        };

        private static FilterNode Balanced(BinaryOperator op, List<FilterNode> operands, List<int> positions, int first, int last)
        {
            if (first == last)
            {
                return operands[first];
            }

            // The left half takes the middle operand of an odd count: a chain of three reads ((a op b) op c).
            var split = first + ((last - first + 2) / 2);
            return Checked(new BinaryNode(op, Balanced(op, operands, positions, first, split - 1), Balanced(op, operands, positions, split, last), positions[split - 1]));
        }

        private FilterNode ParseNot()
        {
            if (Current.IsKeyword("not") || Current.Is("!"))
            {
                var at = Take().Position;
                return Checked(new UnaryNode(UnaryOperator.Not, Nested(at, ParseNot), at));
            }

            return ParseComparison();
        }

        /// <summary>Parses one level deeper, refusing to go past <see cref="MaxDepth"/>.</summary>
        private FilterNode Nested(int position, Func<FilterNode> parse)
        {
            if (++_nesting > MaxDepth)
            {
                throw TooDeep(position);
            }

            var node = parse();
            _nesting--;
            return node;
        }

        private static FilterNode Checked(FilterNode node)
        {
            if (node.Depth > MaxDepth)
            {
                throw TooDeep(node.Position);
            }

            return node;
        }

        private FilterNode ParseComparison()
        {
            var left = ParseAdditive();
            if (Current.IsKeyword("in") || (Current.IsKeyword("not") && tokens[_next + 1].IsKeyword("in")))
            {
                var at = Current.Position;
                var negated = Take().IsKeyword("not");
                if (negated)
                {
                    Take();
                }

                return Checked(new InNode(left, ParseList(), negated, at));
            }

            if (Current.IsKeyword("like"))
            {
                var at = Take().Position;
                var pattern = Take();
                if (pattern is not { Kind: TokenKind.Literal, Value: string value })
                {
                    throw Error(pattern.Position, $"'like' needs a string pattern, found {pattern.Describe()}");
                }

                return value.Length <= MaxLikePattern
                    ? Checked(new LikeNode(left, value, at))
                    : throw Error(pattern.Position, $"the 'like' pattern is {value.Length} characters long; at most {MaxLikePattern} are accepted");
            }

            if (ComparisonOperator(Current) is not { } first)
            {
                return left;
            }

            var firstAt = Take().Position;
            var middle = ParseAdditive();
            var comparison = Checked(new BinaryNode(first, left, middle, firstAt));
            if (ComparisonOperator(Current) is not { } second)
            {
                return comparison;
            }

            // A range, 1 < x <= 5: both comparisons on the middle operand, in one direction.
            var secondAt = Current.Position;
            if (!IsOrdering(first) || !IsOrdering(second) || IsAscending(first) != IsAscending(second))
            {
                throw Error(secondAt, $"'{Current.Text}' cannot follow a comparison; a range uses < and <= (or > and >=) on both sides, as in 1 < x <= 5");
            }

            Take();
            return Checked(new BinaryNode(BinaryOperator.And, comparison, Checked(new BinaryNode(second, middle, ParseAdditive(), secondAt)), firstAt));
        }

        private FilterNode ParseAdditive()
        {
            var left = ParseMultiplicative();
            while (Current.Is("+") || Current.Is("-"))
            {
                var op = Take();
                left = Checked(new BinaryNode(op.Text == "+" ? BinaryOperator.Add : BinaryOperator.Subtract, left, ParseMultiplicative(), op.Position));
            }

            return left;
        }

        private FilterNode ParseMultiplicative()
        {
            var left = ParseUnary();
            while (Current.Is("*") || Current.Is("/") || Current.Is("%"))
            {
                var op = Take();
                var kind = op.Text switch { "*" => BinaryOperator.Multiply, "/" => BinaryOperator.Divide, _ => BinaryOperator.Modulo };
                left = Checked(new BinaryNode(kind, left, ParseUnary(), op.Position));
            }

            return left;
        }

        private FilterNode ParseUnary()
        {
            if (Current.Is("-"))
            {
                var at = Take().Position;
                var operand = Nested(at, ParseUnary);
                // A negative literal stays a literal, so "x in [-1]" and "x == -1" work alike.
                return operand switch
                {
                    LiteralNode { Value: long value } => new LiteralNode(-value, at),
                    LiteralNode { Value: double value } => new LiteralNode(-value, at),
                    _ => Checked(new UnaryNode(UnaryOperator.Negate, operand, at)),
                };
            }

            return ParsePrimary();
        }

        private FilterNode ParsePrimary()
        {
            var token = Take();
            switch (token.Kind)
            {
                case TokenKind.Literal:
                    return new LiteralNode(token.Value!, token.Position);
                case TokenKind.Identifier when token.IsKeyword("true") || token.IsKeyword("false"):
                    return new LiteralNode(token.IsKeyword("true"), token.Position);
                case TokenKind.Identifier when Keywords.Contains(token.Text, StringComparer.OrdinalIgnoreCase):
                    throw Error(token.Position, $"expected a field or a value, found the keyword '{token.Text}'");
                case TokenKind.Identifier:
                    var path = new List<string>();
                    while (Current.Is("["))
                    {
                        Take();
                        var key = Take();
                        if (key is not { Kind: TokenKind.Literal, Value: string name })
                        {
                            throw Error(key.Position, $"a JSON key is a string, as in {token.Text}[\"key\"]; found {key.Describe()}");
                        }

                        path.Add(name);
                        Expect("]");
                    }

                    return new FieldNode(token.Text, path, token.Position);
                case TokenKind.Symbol when token.Text == "(":
                    var inner = Nested(token.Position, ParseOr);
                    Expect(")");
                    return inner;
                default:
                    throw Error(token.Position, token.Kind == TokenKind.End
                        ? $"the expression ends where a field or a value was expected{(text.Length == 0 ? " (it is empty)" : string.Empty)}"
                        : $"expected a field or a value, found {token.Describe()}");
            }
        }

        private List<LiteralNode> ParseList()
        {
            Expect("[");
            var values = new List<LiteralNode>();
            if (Current.Is("]"))
            {
                Take();
                return values;
            }

            while (true)
            {
                values.Add(ParseUnary() as LiteralNode ?? throw Error(tokens[_next - 1].Position, "a list holds values only"));
                if (Current.Is("]"))
                {
                    Take();
                    return values;
                }

                Expect(",");
            }
        }

        private static BinaryOperator? ComparisonOperator(Token token) => token.Kind != TokenKind.Symbol ? null : token.Text switch
        {
            "==" => BinaryOperator.Equal,
            "!=" => BinaryOperator.NotEqual,
            "<" => BinaryOperator.Less,
            "<=" => BinaryOperator.LessOrEqual,
            ">" => BinaryOperator.Greater,
            ">=" => BinaryOperator.GreaterOrEqual,
            _ => null,
        };

        private static bool IsOrdering(BinaryOperator op) => op is BinaryOperator.Less or BinaryOperator.LessOrEqual or BinaryOperator.Greater or BinaryOperator.GreaterOrEqual;

        private static bool IsAscending(BinaryOperator op) => op is BinaryOperator.Less or BinaryOperator.LessOrEqual;

        private void Expect(string symbol)
        {
            if (!Current.Is(symbol))
            {
                throw Error(Current.Position, $"expected '{symbol}', found {Current.Describe()}");
            }

            Take();
        }

        private Token Take() => Current.Kind == TokenKind.End ? Current : tokens[_next++];
    }
}
