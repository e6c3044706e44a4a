using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace Milvus.Orleans.VectorData;

/// <summary>
/// Builds a record's model from the VectorData attributes or a definition, accepting only what a collection's schema
/// can hold: an Int64 or VarChar primary key, scalar fields, and float vectors (one or several).
/// </summary>
internal sealed class MilvusModelBuilder() : CollectionModelBuilder(Options)
{
    public const string SupportedKeyTypes = "long, string, Guid";

    public const string SupportedDataTypes = "bool, int, long, float, double, string";

    public const string SupportedVectorTypes = "ReadOnlyMemory<float>, Embedding<float>, float[]";

    private static new readonly CollectionModelBuildingOptions Options = new()
    {
        RequiresAtLeastOneVector = true,
        SupportsMultipleVectors = true,
    };

    protected override void ValidateKeyProperty(KeyPropertyModel keyProperty)
    {
        base.ValidateKeyProperty(keyProperty);
        if (keyProperty.Type != typeof(long) && keyProperty.Type != typeof(string) && keyProperty.Type != typeof(Guid))
        {
            throw new NotSupportedException(
                $"Key property '{keyProperty.ModelName}' is {keyProperty.Type.Name}: a Milvus.Orleans key is one of {SupportedKeyTypes}.");
        }
    }

    protected override bool IsDataPropertyTypeValid(Type type, [NotNullWhen(false)] out string? supportedTypes)
    {
        // No nullable value types: the service stores no nulls.
        supportedTypes = SupportedDataTypes + " (the service stores no nulls, so no Nullable<T>)";
        return type == typeof(bool) || type == typeof(int) || type == typeof(long)
            || type == typeof(float) || type == typeof(double) || type == typeof(string);
    }

    protected override bool IsVectorPropertyTypeValid(Type type, [NotNullWhen(false)] out string? supportedTypes)
    {
        supportedTypes = SupportedVectorTypes;
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type == typeof(ReadOnlyMemory<float>) || type == typeof(Embedding<float>) || type == typeof(float[]);
    }
}
