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
public static class FilterParser
{
    /// <summary>The longest expression accepted.</summary>
    public const int MaxLength = 64 * 1024;

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

    /// <summary>The error for an expression that is wrong at <paramref name="position"/>.</summary>
    public static MilvusException Error(int position, string problem) =>
        new(ErrorCode.InvalidExpression, $"Invalid expression at position {position}: {problem}.");

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

        private Token Current => tokens[_next];

        public FilterNode ParseOr()
        {
            var left = ParseAnd();
            while (Current.IsKeyword("or") || Current.Is("||"))
            {
                var at = Take().Position;
                left = new BinaryNode(BinaryOperator.Or, left, ParseAnd(), at);
            }

            return left;
        }

        public void ExpectEnd()
        {
            if (Current.Kind != TokenKind.End)
            {
                throw Error(Current.Position, $"expected an operator or the end, found {Current.Describe()}");
            }
        }

        private FilterNode ParseAnd()
        {
            var left = ParseNot();
            while (Current.IsKeyword("and") || Current.Is("&&"))
            {
                var at = Take().Position;
                left = new BinaryNode(BinaryOperator.And, left, ParseNot(), at);
            }

            return left;
        }

        private FilterNode ParseNot()
        {
            if (Current.IsKeyword("not") || Current.Is("!"))
            {
                var at = Take().Position;
                return new UnaryNode(UnaryOperator.Not, ParseNot(), at);
            }

            return ParseComparison();
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

                return new InNode(left, ParseList(), negated, at);
            }

            if (Current.IsKeyword("like"))
            {
                var at = Take().Position;
                var pattern = Take();
                return pattern is { Kind: TokenKind.Literal, Value: string value }
                    ? new LikeNode(left, value, at)
                    : throw Error(pattern.Position, $"'like' needs a string pattern, found {pattern.Describe()}");
            }

            if (ComparisonOperator(Current) is not { } first)
            {
                return left;
            }

            var firstAt = Take().Position;
            var middle = ParseAdditive();
            var comparison = new BinaryNode(first, left, middle, firstAt);
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
            return new BinaryNode(BinaryOperator.And, comparison, new BinaryNode(second, middle, ParseAdditive(), secondAt), firstAt);
        }

        private FilterNode ParseAdditive()
        {
            var left = ParseMultiplicative();
            while (Current.Is("+") || Current.Is("-"))
            {
                var op = Take();
                left = new BinaryNode(op.Text == "+" ? BinaryOperator.Add : BinaryOperator.Subtract, left, ParseMultiplicative(), op.Position);
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
                left = new BinaryNode(kind, left, ParseUnary(), op.Position);
            }

            return left;
        }

        private FilterNode ParseUnary()
        {
            if (Current.Is("-"))
            {
                var at = Take().Position;
                var operand = ParseUnary();
                // A negative literal stays a literal, so "x in [-1]" and "x == -1" work alike.
                return operand switch
                {
                    LiteralNode { Value: long value } => new LiteralNode(-value, at),
                    LiteralNode { Value: double value } => new LiteralNode(-value, at),
                    _ => new UnaryNode(UnaryOperator.Negate, operand, at),
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
                    var inner = ParseOr();
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
