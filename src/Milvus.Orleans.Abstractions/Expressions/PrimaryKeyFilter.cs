using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Expressions;

/// <summary>Checks a filter against a collection's schema, and finds the keys of one that selects by primary key alone.</summary>
public static class PrimaryKeyFilter
{
    /// <summary>Parses <paramref name="expression"/> and checks that every field it names exists, with JSON access only on JSON fields.</summary>
    public static FilterNode Parse(string expression, CollectionSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var node = FilterParser.Parse(expression);
        CheckFields(node, schema);
        return node;
    }

    /// <summary>
    /// The keys <paramref name="node"/> selects when it selects by primary key alone (<c>pk in [1, 2]</c>,
    /// <c>pk == 3</c>, such terms joined by <c>or</c>), in order of first mention; null for any other expression.
    /// </summary>
    public static PrimaryKeys? Keys(FilterNode node, CollectionSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var key = schema.PrimaryKey;
        var values = new List<LiteralNode>();
        if (!Collect(node, key.Name, values))
        {
            return null;
        }

        return key.Type == DataType.Int64
            ? PrimaryKeys.Of([.. values.Select(v => v.Value is long l ? l : throw Mismatch(key, v, "an integer")).Distinct()])
            : PrimaryKeys.Of([.. values.Select(v => v.Value as string ?? throw Mismatch(key, v, "a string")).Distinct()]);
    }

    private static bool Collect(FilterNode node, string key, List<LiteralNode> values)
    {
        switch (node)
        {
            case BinaryNode { Operator: BinaryOperator.Or } or:
                return Collect(or.Left, key, values) && Collect(or.Right, key, values);
            case InNode { Negated: false, Operand: FieldNode { JsonPath.Count: 0 } field } inList when field.Field == key:
                values.AddRange(inList.Values);
                return true;
            case BinaryNode { Operator: BinaryOperator.Equal, Left: FieldNode { JsonPath.Count: 0 } field, Right: LiteralNode value } when field.Field == key:
                values.Add(value);
                return true;
            case BinaryNode { Operator: BinaryOperator.Equal, Left: LiteralNode value, Right: FieldNode { JsonPath.Count: 0 } field } when field.Field == key:
                values.Add(value);
                return true;
            default:
                return false;
        }
    }

    private static void CheckFields(FilterNode node, CollectionSchema schema)
    {
        switch (node)
        {
            case FieldNode named:
                var field = named.In(schema);
                var found = schema.Field(field.Field) ?? throw FilterParser.Error(
                    field.Position, $"collection '{schema.Name}' has no field '{field.Field}'; it has {string.Join(", ", schema.Fields.Select(f => f.Name))}");
                if (field.JsonPath.Count > 0 && found.Type != DataType.Json)
                {
                    throw FilterParser.Error(field.Position, $"field '{field.Field}' is {found.Type}; [\"key\"] access works on JSON fields only");
                }

                if (found.Type == DataType.FloatVector)
                {
                    throw FilterParser.Error(field.Position, $"field '{field.Field}' is a vector; filters compare scalar fields");
                }

                break;
            case UnaryNode unary:
                CheckFields(unary.Operand, schema);
                break;
            case BinaryNode binary:
                CheckFields(binary.Left, schema);
                CheckFields(binary.Right, schema);
                break;
            case InNode inList:
                CheckFields(inList.Operand, schema);
                break;
            case LikeNode like:
                CheckFields(like.Operand, schema);
                break;
        }
    }

    private static MilvusException Mismatch(FieldSchema key, LiteralNode value, string expected) =>
        FilterParser.Error(value.Position, $"primary key '{key.Name}' is {key.Type}, so its values are {expected}; found {value.Value}");
}
