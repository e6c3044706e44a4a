using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.VectorData;
using Milvus.Orleans.Client;

namespace Milvus.Orleans.VectorData;

/// <summary>The collections of a Milvus.Orleans cluster as a <c>Microsoft.Extensions.VectorData</c> store.</summary>
public sealed class MilvusVectorStore : VectorStore
{
    /// <summary>The name reported as the store's system in metadata and errors.</summary>
    public const string SystemName = "milvus-orleans";

    private readonly MilvusClient _client;
    private readonly MilvusVectorStoreOptions _options;
    private readonly VectorStoreMetadata _metadata = new() { VectorStoreSystemName = SystemName };

    /// <summary>A store over <paramref name="client"/>'s cluster.</summary>
    public MilvusVectorStore(MilvusClient client, MilvusVectorStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _options = options ?? new MilvusVectorStoreOptions();
    }

    /// <inheritdoc />
    [RequiresDynamicCode("Reads the record type's properties through reflection.")]
    [RequiresUnreferencedCode("Reads the record type's properties through reflection.")]
    public override MilvusCollection<TKey, TRecord> GetCollection<TKey, TRecord>(string name, VectorStoreCollectionDefinition? definition = null) =>
        new(_client, name, CollectionOptions(definition));

    /// <inheritdoc />
    public override MilvusDynamicCollection GetDynamicCollection(string name, VectorStoreCollectionDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return new(_client, name, CollectionOptions(definition));
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<string> ListCollectionNamesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var name in await StoreCalls.RunAsync("ListCollectionNames", null, () => _client.ListCollectionsAsync(cancellationToken)).ConfigureAwait(false))
        {
            yield return name;
        }
    }

    /// <inheritdoc />
    public override Task<bool> CollectionExistsAsync(string name, CancellationToken cancellationToken = default) =>
        StoreCalls.ExistsAsync(_client, name, collection: null, cancellationToken);

    /// <inheritdoc />
    public override Task EnsureCollectionDeletedAsync(string name, CancellationToken cancellationToken = default) =>
        StoreCalls.DeleteAsync(_client, name, collection: null, cancellationToken);

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(VectorStoreMetadata) ? _metadata
            : serviceType == typeof(MilvusClient) ? _client
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    private MilvusCollectionOptions CollectionOptions(VectorStoreCollectionDefinition? definition) => new()
    {
        Definition = definition,
        EmbeddingGenerator = _options.EmbeddingGenerator,
        ShardCount = _options.ShardCount,
        Consistency = _options.Consistency,
    };
}
