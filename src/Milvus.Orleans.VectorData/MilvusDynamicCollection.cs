using Microsoft.Extensions.VectorData;
using Milvus.Orleans.Client;

namespace Milvus.Orleans.VectorData;

/// <summary>
/// A collection of records kept as dictionaries (property name → value), described by a
/// <see cref="VectorStoreCollectionDefinition"/> instead of a .NET type. Keys are <see cref="long"/>,
/// <see cref="string"/> or <see cref="Guid"/>, as the definition's key property.
/// </summary>
public sealed class MilvusDynamicCollection : MilvusCollection<object, Dictionary<string, object?>>
{
    /// <summary>Collection <paramref name="name"/> with records as <paramref name="options"/>' definition describes them.</summary>
    public MilvusDynamicCollection(MilvusClient client, string name, MilvusCollectionOptions options)
        : base(client, name, options, o => new MilvusModelBuilder().BuildDynamic(
            o.Definition ?? throw new ArgumentException("A dynamic collection needs a definition of its records.", nameof(options)), o.EmbeddingGenerator))
    {
    }
}
