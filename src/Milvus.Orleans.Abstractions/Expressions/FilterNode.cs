namespace Milvus.Orleans.Expressions;

/// <summary>A parsed filter expression in Milvus' boolean expression syntax; see <see cref="FilterParser"/>.</summary>
/// <param name="Position">Where the node starts in the expression's text (0-based), for error messages.</param>
public abstract record FilterNode(int Position)
{
    /// <summary>Levels of the tree from this node down to its deepest leaf: 1 for a field or a literal.</summary>
    public abstract int Depth { get; }

    /// <summary>Nodes of the tree from this node down (an <c>in</c> list counts as one): what evaluating it costs per row.</summary>
    public abstract int Nodes { get; }
}

/// <summary>A field, or a value inside a JSON field: <c>meta["a"]["b"]</c>.</summary>
public sealed record FieldNode(string Field, IReadOnlyList<string> JsonPath, int Position) : FilterNode(Position)
{
    /// <inheritdoc />
    public override int Depth => 1;

    /// <summary>
    /// The node as <paramref name="schema"/> reads it: a name the schema does not declare is a key of its dynamic field
    /// (<c>color</c> is <c>$meta["color"]</c>), as in Milvus, when it has one.
    /// </summary>
    public FieldNode In(Schema.CollectionSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return schema.Field(Field) is null && schema.EnableDynamicField
            ? this with { Field = Schema.CollectionSchema.DynamicFieldName, JsonPath = [Field, .. JsonPath] }
            : this;
    }

    /// <inheritdoc />
    public override int Nodes => 1;
}

/// <summary>A literal: <see cref="long"/>, <see cref="double"/>, <see cref="string"/> or <see cref="bool"/>.</summary>
public sealed record LiteralNode(object Value, int Position) : FilterNode(Position)
{
    /// <inheritdoc />
    public override int Depth => 1;

    /// <inheritdoc />
    public override int Nodes => 1;
}

/// <summary><c>not x</c> or <c>-x</c>.</summary>
public sealed record UnaryNode(UnaryOperator Operator, FilterNode Operand, int Position) : FilterNode(Position)
{
    /// <inheritdoc />
    public override int Depth { get; } = Operand.Depth + 1;

    /// <inheritdoc />
    public override int Nodes { get; } = Operand.Nodes + 1;
}

/// <summary>A comparison, logical or arithmetic operator applied to two operands.</summary>
public sealed record BinaryNode(BinaryOperator Operator, FilterNode Left, FilterNode Right, int Position) : FilterNode(Position)
{
    /// <inheritdoc />
    public override int Depth { get; } = Math.Max(Left.Depth, Right.Depth) + 1;

    /// <inheritdoc />
    public override int Nodes { get; } = Left.Nodes + Right.Nodes + 1;
}

/// <summary><c>x in [a, b]</c> or <c>x not in [a, b]</c>.</summary>
public sealed record InNode(FilterNode Operand, IReadOnlyList<LiteralNode> Values, bool Negated, int Position) : FilterNode(Position)
{
    /// <inheritdoc />
    public override int Depth { get; } = Operand.Depth + 1;

    /// <inheritdoc />
    public override int Nodes { get; } = Operand.Nodes + 1;
}

/// <summary><c>x like "prefix%"</c>: <c>%</c> matches any run of characters, <c>_</c> one character.</summary>
public sealed record LikeNode(FilterNode Operand, string Pattern, int Position) : FilterNode(Position)
{
    /// <inheritdoc />
    public override int Depth { get; } = Operand.Depth + 1;

    /// <inheritdoc />
    public override int Nodes { get; } = Operand.Nodes + 1;
}

/// <summary>Operators of <see cref="UnaryNode"/>.</summary>
public enum UnaryOperator
{
    /// <summary><c>not</c>, <c>!</c>.</summary>
    Not,

    /// <summary>Arithmetic <c>-</c>.</summary>
    Negate,
}

/// <summary>Operators of <see cref="BinaryNode"/>.</summary>
public enum BinaryOperator
{
    /// <summary><c>or</c>, <c>||</c>.</summary>
    Or,

    /// <summary><c>and</c>, <c>&amp;&amp;</c>.</summary>
    And,

    /// <summary><c>==</c>.</summary>
    Equal,

    /// <summary><c>!=</c>.</summary>
    NotEqual,

    /// <summary><c>&lt;</c>.</summary>
    Less,

    /// <summary><c>&lt;=</c>.</summary>
    LessOrEqual,

    /// <summary><c>&gt;</c>.</summary>
    Greater,

    /// <summary><c>&gt;=</c>.</summary>
    GreaterOrEqual,

    /// <summary><c>+</c>.</summary>
    Add,

    /// <summary><c>-</c>.</summary>
    Subtract,

    /// <summary><c>*</c>.</summary>
    Multiply,

    /// <summary><c>/</c>.</summary>
    Divide,

    /// <summary><c>%</c>.</summary>
    Modulo,
}
