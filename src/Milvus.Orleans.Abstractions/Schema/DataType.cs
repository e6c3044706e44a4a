namespace Milvus.Orleans.Schema;

/// <summary>The types a field can have.</summary>
public enum DataType
{
    /// <summary>true or false.</summary>
    Bool = 1,

    /// <summary>32-bit signed integer.</summary>
    Int32 = 2,

    /// <summary>64-bit signed integer; may be the primary key.</summary>
    Int64 = 3,

    /// <summary>32-bit float.</summary>
    Float = 4,

    /// <summary>64-bit float.</summary>
    Double = 5,

    /// <summary>UTF-16 text up to the field's <see cref="FieldSchema.MaxLength"/>; may be the primary key.</summary>
    VarChar = 6,

    /// <summary>A JSON document, as text.</summary>
    Json = 7,

    /// <summary>A vector of 32-bit floats of the field's <see cref="FieldSchema.Dimension"/>.</summary>
    FloatVector = 8,
}
