using Milvus.Orleans.Testing;

namespace Milvus.Orleans.VectorData.Tests;

/// <summary>One in-process cluster (one silo, two pchannels) for every test class; each test uses collections of its own.</summary>
public sealed class VectorStoreCluster : IAsyncLifetime
{
    private int _collections;

    public InProcessMilvusCluster Cluster { get; private set; } = null!;

    public MilvusVectorStore Store { get; private set; } = null!;

    /// <summary>A collection name no other test uses.</summary>
    public string NewName(string prefix) => $"{prefix}_{Interlocked.Increment(ref _collections)}";

    public async ValueTask InitializeAsync()
    {
        Cluster = await InProcessMilvusCluster.StartAsync(1, new Dictionary<string, string?> { ["Milvus:Streaming:PChannels"] = "2" });
        Store = new MilvusVectorStore(Cluster.Client);
    }

    public async ValueTask DisposeAsync()
    {
        Store.Dispose();
        await Cluster.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class VectorStoreGroup : ICollectionFixture<VectorStoreCluster>
{
    public const string Name = "vector store";
}
