using Milvus.Orleans.Client;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Streaming.Tests.Collections;

/// <summary>
/// One cluster for the bad-input table: collection <c>good</c> (2 shards), AutoId collection <c>auto</c>, its twin
/// <c>dynamic</c> with a dynamic field, and collection <c>gone</c>, dropped after <see cref="StaleClient"/> described it.
/// </summary>
public sealed class BadInputFixture : IAsyncLifetime
{
    internal InProcessMilvusCluster Cluster { get; private set; } = null!;

    /// <summary>A client whose cached description of <c>gone</c> predates its drop.</summary>
    internal MilvusClient StaleClient { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Cluster = await InProcessMilvusCluster.StartAsync(2);
        var ct = TestContext.Current.CancellationToken;
        await Cluster.Client.CreateCollectionAsync(TestRows.Schema("good"), ct);
        await Cluster.Client.CreateCollectionAsync(TestRows.Schema("auto", autoId: true), ct);
        await Cluster.Client.CreateCollectionAsync(TestRows.Schema("gone"), ct);
        var good = TestRows.Schema("dynamic");
        await Cluster.Client.CreateCollectionAsync(CollectionSchema.Of(good.Name, good.Fields, good.ShardCount, enableDynamicField: true), ct);
        StaleClient = new MilvusClient(Cluster.Cluster.Client);
        await StaleClient.InsertAsync("gone", TestRows.Rows(0, 1), cancellationToken: ct);
        await Cluster.Client.DropCollectionAsync("gone", ct);
    }

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}
