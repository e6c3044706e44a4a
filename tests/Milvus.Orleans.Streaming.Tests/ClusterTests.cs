using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Streaming.Tests;

/// <summary>A test class whose every test runs on a fresh in-process cluster of its own.</summary>
public abstract class ClusterTests(short silos, IReadOnlyDictionary<string, string?>? settings = null) : IAsyncLifetime
{
    /// <summary>The cluster of the running test.</summary>
    protected InProcessMilvusCluster TestCluster { get; private set; } = null!;

    public async ValueTask InitializeAsync() => TestCluster = await InProcessMilvusCluster.StartAsync(silos, settings);

    public async ValueTask DisposeAsync()
    {
        await TestCluster.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
