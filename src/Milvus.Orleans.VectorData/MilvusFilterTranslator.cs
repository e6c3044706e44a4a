using System.Collections;
using System.Globalization;
using System.Linq.Expressions;
using System.Text;
using Microsoft.Extensions.VectorData.ProviderServices;
using Microsoft.Extensions.VectorData.ProviderServices.Filter;

namespace Milvus.Orleans.VectorData;

/// <summary>
/// Translates a LINQ filter over a record into the service's boolean expression syntax (Milvus' own): comparisons of a
/// property with a value, <c>&amp;&amp;</c>, <c>||</c>, <c>!</c>, bool properties, <c>Contains</c> over a list of
/// values (<c>in</c>) and <c>string.StartsWith</c> (<c>like "prefix%"</c>). Any other shape is refused with a
/// <see cref="NotSupportedException"/> that names it and lists what is supported.
/// </summary>
internal sealed class MilvusFilterTranslator : FilterTranslatorBase
{
    public const string Supported =
        "supported are ==, !=, <, <=, >, >= between a property and a value, &&, ||, !, bool properties, " +
        "Contains over a list of values (as 'in'), and string.StartsWith with a value free of '%' and '_'";

    private readonly StringBuilder _expression = new();

    private MilvusFilterTranslator()
    {
    }

    /// <summary>The expression for <paramref name="filter"/>, or null when it keeps every record (<c>r =&gt; true</c>).</summary>
    public static string? Translate(LambdaExpression filter, CollectionModel model)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Body is ConstantExpression { Value: true })
        {
            return null;
        }

        var translator = new MilvusFilterTranslator();
        translator.Write(translator.PreprocessFilter(filter, model, new FilterPreprocessingOptions()));
        return translator._expression.ToString();
    }

    private void Write(Expression node)
    {
        switch (node)
        {
            case BinaryExpression { NodeType: ExpressionType.AndAlso or ExpressionType.OrElse } logical:
                _expression.Append('(');
                Write(logical.Left);
                _expression.Append(logical.NodeType == ExpressionType.AndAlso ? " and " : " or ");
                Write(logical.Right);
                _expression.Append(')');
                break;
            case BinaryExpression binary when Comparison(binary.NodeType) is not null:
                WriteComparison(binary);
                break;
            case UnaryExpression { NodeType: ExpressionType.Not } not:
                _expression.Append("not (");
                Write(not.Operand);
                _expression.Append(')');
                break;
            case UnaryExpression { NodeType: ExpressionType.Convert } convert when Nullable.GetUnderlyingType(convert.Type) == convert.Operand.Type:
                Write(convert.Operand);
                break;
            case Expression when node.Type == typeof(bool) && TryBind(node, out var flag):
                _expression.Append(flag.StorageName).Append(" == true");
                break;
            case MethodCallExpression call:
                WriteCall(call);
                break;
            default:
                throw Unsupported(node, node.NodeType.ToString());
        }
    }

    private void WriteComparison(BinaryExpression binary)
    {
        var op = Comparison(binary.NodeType)!;
        if (TryBind(binary.Left, out var property) && binary.Right is ConstantExpression right)
        {
            WriteComparison(binary, property, op, right.Value);
        }
        else if (TryBind(binary.Right, out property) && binary.Left is ConstantExpression left)
        {
            WriteComparison(binary, property, Flipped(op), left.Value);
        }
        else
        {
            throw Unsupported(binary, "a comparison that is not between a property and a value");
        }
    }

    private void WriteComparison(BinaryExpression binary, PropertyModel property, string op, object? value)
    {
        if (value is null)
        {
            throw Unsupported(binary, "a comparison with null (the service stores no nulls)");
        }

        _expression.Append(property.StorageName).Append(' ').Append(op).Append(' ');
        WriteValue(binary, value);
    }

    private void WriteCall(MethodCallExpression call)
    {
        if (TryMatchContains(call, out var source, out var item))
        {
            if (!TryBind(item, out var property))
            {
                throw Unsupported(call, "Contains whose item is not a property");
            }

            var values = source switch
            {
                ConstantExpression { Value: IEnumerable list and not string } => list.Cast<object?>().ToList(),
                NewArrayExpression array when array.Expressions.All(e => e is ConstantExpression) =>
                    [.. array.Expressions.Cast<ConstantExpression>().Select(e => e.Value)],
                _ => throw Unsupported(call, "Contains over a property or over something other than a list of values"),
            };
            _expression.Append(property.StorageName).Append(" in [");
            for (var i = 0; i < values.Count; i++)
            {
                _expression.Append(i == 0 ? string.Empty : ", ");
                WriteValue(call, values[i] ?? throw Unsupported(call, "a list holding null (the service stores no nulls)"));
            }

            _expression.Append(']');
            return;
        }

        if (call is { Method.Name: nameof(string.StartsWith), Object: { } target, Arguments: [ConstantExpression { Value: string prefix }] }
            && call.Method.DeclaringType == typeof(string)
            && TryBind(target, out var text))
        {
            if (prefix.Contains('%', StringComparison.Ordinal) || prefix.Contains('_', StringComparison.Ordinal))
            {
                throw Unsupported(call, "StartsWith with '%' or '_' in its value ('like' has no escape for them)");
            }

            _expression.Append(text.StorageName).Append(" like ");
            WriteString(prefix + "%");
            return;
        }

        throw Unsupported(call, $"the method {call.Method.DeclaringType?.Name}.{call.Method.Name}");
    }

    private void WriteValue(Expression node, object value)
    {
        switch (value)
        {
            case string text:
                WriteString(text);
                break;
            case Guid guid:
                WriteString(guid.ToString("D"));
                break;
            case bool flag:
                _expression.Append(flag ? "true" : "false");
                break;
            case int or long or short or byte:
                _expression.Append(Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
                break;
            case float or double when double.IsFinite(Convert.ToDouble(value, CultureInfo.InvariantCulture)):
                // Round-trip text, with a decimal point or exponent so the parser reads a float.
                var number = Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture);
                _expression.Append(number.Contains('.', StringComparison.Ordinal) || number.Contains('E', StringComparison.Ordinal) ? number : number + ".0");
                break;
            default:
                throw Unsupported(node, $"a value of type {value.GetType().Name} ({value})");
        }
    }

    private void WriteString(string text)
    {
        _expression.Append('"');
        foreach (var c in text)
        {
            _expression.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => c.ToString(),
            });
        }

        _expression.Append('"');
    }

    /// <summary>
    /// Binds <paramref name="expression"/> to a property; false also when the base class finds it converted to another
    /// type than the property's (a comparison of two properties of different types).
    /// </summary>
    private bool TryBind(Expression expression, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PropertyModel? property)
    {
        try
        {
            return TryBindProperty(Unwrapped(expression), out property);
        }
        catch (InvalidCastException)
        {
            property = null;
            return false;
        }
    }

    /// <summary>The operand without the conversion to nullable that comparing with a nullable value adds.</summary>
    private static Expression Unwrapped(Expression expression) =>
        expression is UnaryExpression { NodeType: ExpressionType.Convert } convert && Nullable.GetUnderlyingType(convert.Type) == convert.Operand.Type
            ? convert.Operand
            : expression;

    private static string? Comparison(ExpressionType type) => type switch
    {
        ExpressionType.Equal => "==",
        ExpressionType.NotEqual => "!=",
        ExpressionType.LessThan => "<",
        ExpressionType.LessThanOrEqual => "<=",
        ExpressionType.GreaterThan => ">",
        ExpressionType.GreaterThanOrEqual => ">=",
        _ => null,
    };

    private static string Flipped(string op) => op switch
    {
        "<" => ">",
        "<=" => ">=",
        ">" => "<",
        ">=" => "<=",
        _ => op,
    };

    private static NotSupportedException Unsupported(Expression node, string shape) =>
        new($"Milvus.Orleans cannot translate the filter part '{node}': {shape} is not supported; {Supported}.");
}
