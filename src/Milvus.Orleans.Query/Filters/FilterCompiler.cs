using System.Globalization;
using Milvus.Orleans.Data;
using Milvus.Orleans.Expressions;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Query.Filters;

/// <summary>
/// Turns a parsed filter into a predicate over the rows of one batch, after checking it against the schema: every
/// field exists and is not a vector, JSON fields are read through a path, and operands have types the operator takes
/// (numbers with numbers, text with text, booleans where a condition is expected). A wrong expression gets
/// <see cref="ErrorCode.InvalidExpression"/> with the position of the offending part.
/// </summary>
/// <remarks>
/// Semantics: integers compare exactly and mix with floats as doubles; <c>/</c> and <c>%</c> of two integers are
/// integer operations; a row whose divisor is 0 does not match. Text compares ordinally. A value inside a JSON field
/// is typed per row: a missing key, JSON null or a value of another type than the other operand never matches,
/// whatever the operator (<c>!=</c> and <c>not in</c> included).
/// </remarks>
internal static class FilterCompiler
{
    /// <summary>Checks <paramref name="node"/> against <paramref name="schema"/> without binding it to rows.</summary>
    public static void Check(FilterNode node, CollectionSchema schema) => _ = Bind(node, schema, null);

    /// <summary>The predicate <paramref name="node"/> makes over <paramref name="rows"/>.</summary>
    public static Func<int, bool> Bind(FilterNode node, CollectionSchema schema, RowBatch? rows)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(schema);
        // Compiling and evaluating recurse once per level and cost per row with every node.
        FilterParser.CheckSize(node);
        var compiled = new Binder(schema, rows).Compile(node);
        return compiled.Type switch
        {
            ValueKind.Bool => (Func<int, bool>)compiled.Get,
            ValueKind.Dynamic => Truthy((Func<int, object?>)compiled.Get),
            _ => throw FilterParser.Error(node.Position, $"the filter must be a condition, not {Describe(compiled.Type)}"),
        };
    }

    private static Func<int, bool> Truthy(Func<int, object?> get) => row => get(row) is true;

    private static string Describe(ValueKind kind) => kind switch
    {
        ValueKind.Integer => "an integer",
        ValueKind.Float => "a float",
        ValueKind.String => "text",
        ValueKind.Bool => "a boolean",
        _ => "a JSON value",
    };

    private enum ValueKind
    {
        Integer,
        Float,
        String,
        Bool,
        Dynamic,
    }

    /// <summary>A typed value per row: Integer → Func&lt;int, long&gt;, Float → double, String → string, Bool → bool, Dynamic → object?.</summary>
    private sealed record Compiled(ValueKind Type, Delegate Get, string What)
    {
        /// <summary>The longest description kept: it only names an operand in a message, and a large filter's would grow with every level.</summary>
        private const int MaxWhat = 120;

        public string What { get; } = What.Length <= MaxWhat ? What : string.Concat(What.AsSpan(0, MaxWhat), "…");
    }

    private sealed class Binder(CollectionSchema schema, RowBatch? rows)
    {
        public Compiled Compile(FilterNode node) => node switch
        {
            FieldNode field => Field(field),
            LiteralNode literal => Literal(literal),
            UnaryNode unary => Unary(unary),
            BinaryNode binary => Binary(binary),
            InNode @in => In(@in),
            LikeNode like => Like(like),
            _ => throw FilterParser.Error(node.Position, $"unsupported expression {node.GetType().Name}"),
        };

        private Compiled Field(FieldNode node)
        {
            node = node.In(schema);
            var field = schema.Field(node.Field)
                ?? throw FilterParser.Error(node.Position, $"collection '{schema.Name}' has no field '{node.Field}'");
            var what = $"field '{field.Name}' ({field.Type})";
            if (field.Type == DataType.FloatVector)
            {
                throw FilterParser.Error(node.Position, $"{what} is a vector and cannot be filtered on");
            }

            if (field.Type == DataType.Json)
            {
                return node.JsonPath.Count == 0
                    ? throw FilterParser.Error(node.Position, $"{what} is JSON: filter on a value inside it, as in {field.Name}[\"key\"]")
                    : new Compiled(ValueKind.Dynamic, JsonValues(field, node.JsonPath), $"{field.Name}{string.Concat(node.JsonPath.Select(p => $"[\"{p}\"]"))}");
            }

            if (node.JsonPath.Count > 0)
            {
                throw FilterParser.Error(node.Position, $"{what} is not JSON and has no keys");
            }

            var values = rows?.Column(field.Name)?.Values;
            return field.Type switch
            {
                DataType.Int64 => new Compiled(ValueKind.Integer, Column<long, long>(values, v => v), what),
                DataType.Int32 => new Compiled(ValueKind.Integer, Column<int, long>(values, v => v), what),
                DataType.Double => new Compiled(ValueKind.Float, Column<double, double>(values, v => v), what),
                DataType.Float => new Compiled(ValueKind.Float, Column<float, double>(values, v => v), what),
                DataType.Bool => new Compiled(ValueKind.Bool, Column<bool, bool>(values, v => v), what),
                _ => new Compiled(ValueKind.String, Column<string, string>(values, v => v), what),
            };
        }

        private Func<int, TOut> Column<TIn, TOut>(Array? values, Func<TIn, TOut> convert)
        {
            if (rows is null)
            {
                return _ => throw new InvalidOperationException("A checked filter is not bound to rows.");
            }

            var typed = values as TIn[] ?? throw new InvalidOperationException($"The batch has no {typeof(TIn).Name} column for the filter.");
            return row => convert(typed[row]);
        }

        private Func<int, object?> JsonValues(FieldSchema field, IReadOnlyList<string> path)
        {
            if (rows is null)
            {
                return _ => null;
            }

            var documents = JsonColumns.Get(rows.Column(field.Name) ?? throw new InvalidOperationException($"The batch has no column '{field.Name}'."));
            return row => JsonColumns.Value(documents[row], path);
        }

        private static Compiled Literal(LiteralNode node) => node.Value switch
        {
            long value => new Compiled(ValueKind.Integer, (Func<int, long>)(_ => value), value.ToString(CultureInfo.InvariantCulture)),
            double value => new Compiled(ValueKind.Float, (Func<int, double>)(_ => value), value.ToString(CultureInfo.InvariantCulture)),
            bool value => new Compiled(ValueKind.Bool, (Func<int, bool>)(_ => value), value ? "true" : "false"),
            string value => new Compiled(ValueKind.String, (Func<int, string>)(_ => value), $"\"{value}\""),
            _ => throw FilterParser.Error(node.Position, $"unsupported literal {node.Value}"),
        };

        private Compiled Unary(UnaryNode node)
        {
            var operand = Compile(node.Operand);
            if (node.Operator == UnaryOperator.Not)
            {
                var condition = Condition(operand, node.Operand.Position, "not");
                return new Compiled(ValueKind.Bool, (Func<int, bool>)(row => !condition(row)), $"not {operand.What}");
            }

            return operand.Type switch
            {
                ValueKind.Integer => Map<long, long>(operand, v => -v, ValueKind.Integer),
                ValueKind.Float => Map<double, double>(operand, v => -v, ValueKind.Float),
                ValueKind.Dynamic => new Compiled(ValueKind.Dynamic, Negated((Func<int, object?>)operand.Get), $"-{operand.What}"),
                _ => throw FilterParser.Error(node.Position, $"'-' needs a number, and {operand.What} is {Describe(operand.Type)}"),
            };
        }

        private static Func<int, object?> Negated(Func<int, object?> get) => row => get(row) switch
        {
            long l => -l,
            double d => -d,
            _ => null,
        };

        private static Compiled Map<TIn, TOut>(Compiled operand, Func<TIn, TOut> map, ValueKind type)
        {
            var get = (Func<int, TIn>)operand.Get;
            return new Compiled(type, (Func<int, TOut>)(row => map(get(row))), $"-{operand.What}");
        }

        private Compiled Binary(BinaryNode node)
        {
            var left = Compile(node.Left);
            var right = Compile(node.Right);
            switch (node.Operator)
            {
                case BinaryOperator.And or BinaryOperator.Or:
                    var word = node.Operator == BinaryOperator.And ? "and" : "or";
                    var l = Condition(left, node.Left.Position, word);
                    var r = Condition(right, node.Right.Position, word);
                    return new Compiled(
                        ValueKind.Bool,
                        node.Operator == BinaryOperator.And ? (Func<int, bool>)(row => l(row) && r(row)) : row => l(row) || r(row),
                        $"{left.What} {word} {right.What}");
                case BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply or BinaryOperator.Divide or BinaryOperator.Modulo:
                    return Arithmetic(node, left, right);
                default:
                    return Comparison(node, left, right);
            }
        }

        private static Func<int, bool> Condition(Compiled operand, int position, string word) => operand.Type switch
        {
            ValueKind.Bool => (Func<int, bool>)operand.Get,
            ValueKind.Dynamic => Truthy((Func<int, object?>)operand.Get),
            _ => throw FilterParser.Error(position, $"'{word}' needs conditions, and {operand.What} is {Describe(operand.Type)}"),
        };

        private static Compiled Arithmetic(BinaryNode node, Compiled left, Compiled right)
        {
            var symbol = node.Operator switch
            {
                BinaryOperator.Add => "+",
                BinaryOperator.Subtract => "-",
                BinaryOperator.Multiply => "*",
                BinaryOperator.Divide => "/",
                _ => "%",
            };
            foreach (var (operand, position) in new[] { (left, node.Left.Position), (right, node.Right.Position) })
            {
                if (operand.Type is not (ValueKind.Integer or ValueKind.Float or ValueKind.Dynamic))
                {
                    throw FilterParser.Error(position, $"'{symbol}' needs numbers, and {operand.What} is {Describe(operand.Type)}");
                }
            }

            if (node.Right is LiteralNode { Value: 0L or 0.0 } && node.Operator is BinaryOperator.Divide or BinaryOperator.Modulo)
            {
                throw FilterParser.Error(node.Right.Position, $"'{symbol}' by zero");
            }

            var what = $"{left.What} {symbol} {right.What}";
            var op = node.Operator;
            if (left.Type == ValueKind.Integer && right.Type == ValueKind.Integer)
            {
                var a = (Func<int, long>)left.Get;
                var b = (Func<int, long>)right.Get;
                // Integer results as nullable objects only when a row can divide by zero; otherwise plain longs.
                if (op is BinaryOperator.Divide or BinaryOperator.Modulo)
                {
                    return new Compiled(ValueKind.Dynamic, (Func<int, object?>)(row => Integers(op, a(row), b(row))), what);
                }

                return new Compiled(ValueKind.Integer, (Func<int, long>)(row => (long)Integers(op, a(row), b(row))!), what);
            }

            if (left.Type == ValueKind.Dynamic || right.Type == ValueKind.Dynamic)
            {
                var a = Dynamic(left);
                var b = Dynamic(right);
                return new Compiled(ValueKind.Dynamic, (Func<int, object?>)(row => Numbers(op, a(row), b(row))), what);
            }

            var x = Doubles(left);
            var y = Doubles(right);
            if (op == BinaryOperator.Modulo)
            {
                var position = left.Type == ValueKind.Float ? node.Left.Position : node.Right.Position;
                throw FilterParser.Error(position, $"'%' needs integers, and {(left.Type == ValueKind.Float ? left.What : right.What)} is a float");
            }

            return new Compiled(ValueKind.Float, (Func<int, double>)(row => Floats(op, x(row), y(row))), what);
        }

        private static object? Integers(BinaryOperator op, long a, long b) => op switch
        {
            BinaryOperator.Add => unchecked(a + b),
            BinaryOperator.Subtract => unchecked(a - b),
            BinaryOperator.Multiply => unchecked(a * b),
            BinaryOperator.Divide => b == 0 ? null : a / b,
            _ => b == 0 ? null : a % b,
        };

        private static double Floats(BinaryOperator op, double a, double b) => op switch
        {
            BinaryOperator.Add => a + b,
            BinaryOperator.Subtract => a - b,
            BinaryOperator.Multiply => a * b,
            _ => b == 0 ? double.NaN : a / b,
        };

        private static object? Numbers(BinaryOperator op, object? a, object? b) => (a, b) switch
        {
            (long x, long y) => Integers(op, x, y),
            (long or double, long or double) when op != BinaryOperator.Modulo => Floats(op, Convert.ToDouble(a, CultureInfo.InvariantCulture), Convert.ToDouble(b, CultureInfo.InvariantCulture)) is var d && double.IsNaN(d) ? null : d,
            _ => null,
        };

        private static Func<int, double> Doubles(Compiled operand)
        {
            if (operand.Type == ValueKind.Float)
            {
                return (Func<int, double>)operand.Get;
            }

            var get = (Func<int, long>)operand.Get;
            return row => get(row);
        }

        private static Func<int, object?> Dynamic(Compiled operand) => operand.Get switch
        {
            Func<int, long> get => row => get(row),
            Func<int, double> get => row => get(row),
            Func<int, string> get => row => get(row),
            Func<int, bool> get => row => get(row),
            _ => (Func<int, object?>)operand.Get,
        };

        private static Compiled Comparison(BinaryNode node, Compiled left, Compiled right)
        {
            var op = node.Operator;
            var what = $"{left.What} {Symbol(op)} {right.What}";
            if (left.Type == ValueKind.Dynamic || right.Type == ValueKind.Dynamic)
            {
                var a = Dynamic(left);
                var b = Dynamic(right);
                return new Compiled(ValueKind.Bool, (Func<int, bool>)(row => Compare(a(row), b(row)) is { } c && Holds(op, c)), what);
            }

            if (left.Type == ValueKind.Integer && right.Type == ValueKind.Integer)
            {
                var a = (Func<int, long>)left.Get;
                var b = (Func<int, long>)right.Get;
                return new Compiled(ValueKind.Bool, Holds(op, row => a(row).CompareTo(b(row))), what);
            }

            if (IsNumber(left.Type) && IsNumber(right.Type))
            {
                var a = Doubles(left);
                var b = Doubles(right);
                return new Compiled(ValueKind.Bool, Holds(op, row => a(row).CompareTo(b(row))), what);
            }

            if (left.Type == ValueKind.String && right.Type == ValueKind.String)
            {
                var a = (Func<int, string>)left.Get;
                var b = (Func<int, string>)right.Get;
                return new Compiled(ValueKind.Bool, Holds(op, row => string.CompareOrdinal(a(row), b(row))), what);
            }

            if (left.Type == ValueKind.Bool && right.Type == ValueKind.Bool)
            {
                if (op is not (BinaryOperator.Equal or BinaryOperator.NotEqual))
                {
                    throw FilterParser.Error(node.Position, $"booleans are compared with == and != only, not {Symbol(op)}");
                }

                var a = (Func<int, bool>)left.Get;
                var b = (Func<int, bool>)right.Get;
                return new Compiled(ValueKind.Bool, Holds(op, row => a(row) == b(row) ? 0 : 1), what);
            }

            throw FilterParser.Error(node.Position, $"cannot compare {left.What}, {Describe(left.Type)}, with {right.What}, {Describe(right.Type)}");
        }

        private static bool IsNumber(ValueKind kind) => kind is ValueKind.Integer or ValueKind.Float;

        private static Func<int, bool> Holds(BinaryOperator op, Func<int, int> compare) => op switch
        {
            BinaryOperator.Equal => row => compare(row) == 0,
            BinaryOperator.NotEqual => row => compare(row) != 0,
            BinaryOperator.Less => row => compare(row) < 0,
            BinaryOperator.LessOrEqual => row => compare(row) <= 0,
            BinaryOperator.Greater => row => compare(row) > 0,
            _ => row => compare(row) >= 0,
        };

        private static bool Holds(BinaryOperator op, int comparison) => op switch
        {
            BinaryOperator.Equal => comparison == 0,
            BinaryOperator.NotEqual => comparison != 0,
            BinaryOperator.Less => comparison < 0,
            BinaryOperator.LessOrEqual => comparison <= 0,
            BinaryOperator.Greater => comparison > 0,
            _ => comparison >= 0,
        };

        /// <summary>Compares two per-row values of any type; null when they do not compare (missing, or different types).</summary>
        private static int? Compare(object? a, object? b) => (a, b) switch
        {
            (long x, long y) => x.CompareTo(y),
            (long or double, long or double) => Convert.ToDouble(a, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(b, CultureInfo.InvariantCulture)),
            (string x, string y) => Math.Sign(string.CompareOrdinal(x, y)),
            (bool x, bool y) => x == y ? 0 : x ? 1 : -1,
            _ => null,
        };

        private static string Symbol(BinaryOperator op) => op switch
        {
            BinaryOperator.Equal => "==",
            BinaryOperator.NotEqual => "!=",
            BinaryOperator.Less => "<",
            BinaryOperator.LessOrEqual => "<=",
            BinaryOperator.Greater => ">",
            _ => ">=",
        };

        private Compiled In(InNode node)
        {
            var operand = Compile(node.Operand);
            if (operand.Type == ValueKind.Bool)
            {
                throw FilterParser.Error(node.Position, $"'in' needs numbers or text, and {operand.What} is a boolean");
            }

            foreach (var value in node.Values)
            {
                var ok = operand.Type switch
                {
                    ValueKind.Integer or ValueKind.Float => value.Value is long or double,
                    ValueKind.String => value.Value is string,
                    _ => value.Value is not bool,
                };
                if (!ok)
                {
                    throw FilterParser.Error(value.Position, $"{operand.What} is {Describe(operand.Type)} and cannot equal {Describe(Literal(value).Type)}");
                }
            }

            var negated = node.Negated;
            var what = $"{operand.What} {(negated ? "not in" : "in")} [...]";
            if (operand.Type == ValueKind.Integer && node.Values.All(v => v.Value is long))
            {
                var set = node.Values.Select(v => (long)v.Value).ToHashSet();
                var get = (Func<int, long>)operand.Get;
                return new Compiled(ValueKind.Bool, (Func<int, bool>)(row => set.Contains(get(row)) != negated), what);
            }

            if (operand.Type == ValueKind.String)
            {
                var set = node.Values.Select(v => (string)v.Value).ToHashSet(StringComparer.Ordinal);
                var get = (Func<int, string>)operand.Get;
                return new Compiled(ValueKind.Bool, (Func<int, bool>)(row => set.Contains(get(row)) != negated), what);
            }

            var literals = new LiteralSet(node.Values.Select(v => v.Value));
            var dynamic = Dynamic(operand);
            return new Compiled(ValueKind.Bool, (Func<int, bool>)(row => literals.Contains(dynamic(row)) is { } found && found != negated), what);
        }

        private Compiled Like(LikeNode node)
        {
            var operand = Compile(node.Operand);
            var pattern = LikePattern.Compile(node.Pattern);
            switch (operand.Type)
            {
                case ValueKind.String:
                    var text = (Func<int, string>)operand.Get;
                    return new Compiled(ValueKind.Bool, (Func<int, bool>)(row => pattern.Matches(text(row))), $"{operand.What} like \"{node.Pattern}\"");
                case ValueKind.Dynamic:
                    var value = (Func<int, object?>)operand.Get;
                    return new Compiled(ValueKind.Bool, (Func<int, bool>)(row => value(row) is string s && pattern.Matches(s)), $"{operand.What} like \"{node.Pattern}\"");
                default:
                    throw FilterParser.Error(node.Position, $"'like' needs text, and {operand.What} is {Describe(operand.Type)}");
            }
        }
    }
}
