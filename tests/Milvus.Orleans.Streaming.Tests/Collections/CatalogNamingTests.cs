using Microsoft.Extensions.Time.Testing;
using Milvus.Orleans.Client;
using Milvus.Orleans.Query;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Streaming.Tests.Collections;

/// <summary>Indexes, aliases and renames in the catalog, through the client SDK.</summary>
public sealed class CatalogNamingTests() : ClusterTests(1)
{
    private static readonly VectorIndex Hnsw = new("vec_idx", IndexKind.Hnsw, M: 8, EfConstruction: 40);

    [Fact]
    public async Task CreateIndexAsync_WhenTheSameIndexComesAgain_IsNoChangeAndAnotherIsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        await client.CreateCollectionAsync(TestRows.Schema("indexed", shards: 1), ct);

        await client.CreateIndexAsync("indexed", "vec", Hnsw, MetricType.IP, ct);
        await client.CreateIndexAsync("indexed", "vec", Hnsw, MetricType.IP, ct);
        var other = await Assert.ThrowsAsync<MilvusException>(() => client.CreateIndexAsync("indexed", "vec", new VectorIndex("flat_idx", IndexKind.Flat), MetricType.IP, ct));

        Assert.Equal(ErrorCode.InvalidArgument, other.Code);
        Assert.Equal(
            "Field 'vec' of collection 'indexed' has index 'vec_idx' (HNSW, M 8, efConstruction 40) under IP already; drop it before creating 'flat_idx' (FLAT) under IP.",
            other.Message);
        var field = (await client.DescribeCollectionAsync("indexed", ct)).Schema.Field("vec")!;
        Assert.Equal((Hnsw, MetricType.IP), (field.Index, field.Metric));
        Assert.Equal([new IndexDescription("vec", Hnsw, MetricType.IP, null)], await client.DescribeIndexesAsync("indexed", ct));
    }

    [Fact]
    public async Task CreateIndexAsync_WhenTheRequestIsWrong_NamesTheProblemAndChangesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        await client.CreateCollectionAsync(TestRows.Schema("wrong", shards: 1), ct);

        var scalar = await Assert.ThrowsAsync<MilvusException>(() => client.CreateIndexAsync("wrong", "title", Hnsw, MetricType.L2, ct));
        var links = await Assert.ThrowsAsync<MilvusException>(() => client.CreateIndexAsync("wrong", "vec", Hnsw with { M = 4_096 }, MetricType.L2, ct));
        var name = await Assert.ThrowsAsync<MilvusException>(() => client.CreateIndexAsync("wrong", "vec", new VectorIndex("1st"), MetricType.L2, ct));

        Assert.Equal("Collection 'wrong' has no FloatVector field 'title' to index; only FloatVector fields are indexed.", scalar.Message);
        Assert.Equal("Index 'vec_idx' of field 'vec': M = 4096: allowed 2..2048.", links.Message);
        Assert.Equal(ErrorCode.InvalidName, name.Code);
        Assert.Empty(await client.DescribeIndexesAsync("wrong", ct));
    }

    [Fact]
    public async Task DropIndexAsync_WhenTheCollectionIsLoaded_IsRefusedUntilItIsReleased()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        await client.CreateCollectionAsync(TestRows.Schema("loaded", shards: 1), ct);
        await client.CreateIndexAsync("loaded", "vec", Hnsw, MetricType.L2, ct);
        await client.LoadCollectionAsync("loaded", ct);

        var whileLoaded = await Assert.ThrowsAsync<MilvusException>(() => client.DropIndexAsync("loaded", "vec_idx", ct));
        await client.ReleaseCollectionAsync("loaded", ct);
        await client.DropIndexAsync("loaded", "vec_idx", ct);
        var missing = await Assert.ThrowsAsync<MilvusException>(() => client.DropIndexAsync("loaded", "vec_idx", ct));

        Assert.Equal("Collection 'loaded' is loaded: release it before you drop index 'vec_idx'.", whileLoaded.Message);
        Assert.Equal((ErrorCode.IndexNotFound, "Collection 'loaded' has no index 'vec_idx'."), (missing.Code, missing.Message));
        Assert.Empty(await client.DescribeIndexesAsync("loaded", ct));
    }

    [Fact]
    public async Task RenameCollectionAsync_WhenTheNewNameIsFree_KeepsTheRowsUnderItAndFreesTheOldName()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var created = await client.CreateCollectionAsync(TestRows.Schema("before", shards: 1), ct);
        await client.InsertAsync("before", TestRows.Rows(1, 5), cancellationToken: ct);
        await client.CreateCollectionAsync(TestRows.Schema("taken", shards: 1), ct);

        var taken = await Assert.ThrowsAsync<MilvusException>(() => client.RenameCollectionAsync("before", "taken", ct));
        await client.RenameCollectionAsync("before", "after", ct);

        Assert.Equal((ErrorCode.CollectionAlreadyExists, "Collection 'taken' exists already (id 2, Ready)."), (taken.Code, taken.Message));
        Assert.Equal(["after", "taken"], await client.ListCollectionsAsync(ct));
        Assert.Equal(created.Id, (await client.DescribeCollectionAsync("after", ct)).Id);
        Assert.Equal(5, await client.CountAsync("after", consistency: ConsistencyLevel.Strong, cancellationToken: ct));
        Assert.Equal(ErrorCode.CollectionNotFound, (await Assert.ThrowsAsync<MilvusException>(() => client.DescribeCollectionAsync("before", ct))).Code);
    }

    [Fact]
    public async Task AliasAsync_WhenCreatedAlteredAndDropped_ReachesTheCollectionItNamesAtTheTime()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        await client.CreateCollectionAsync(TestRows.Schema("blue", shards: 1), ct);
        await client.CreateCollectionAsync(TestRows.Schema("green", shards: 1), ct);
        await client.InsertAsync("green", TestRows.Rows(1, 3), cancellationToken: ct);

        await client.CreateAliasAsync("blue", "live", ct);
        await client.CreateAliasAsync("blue", "live", ct);
        await client.InsertAsync("live", TestRows.Rows(1, 2), cancellationToken: ct);
        var dropAliased = await Assert.ThrowsAsync<MilvusException>(() => client.DropCollectionAsync("blue", ct));
        var elsewhere = await Assert.ThrowsAsync<MilvusException>(() => client.CreateAliasAsync("green", "live", ct));
        var collectionName = await Assert.ThrowsAsync<MilvusException>(() => client.CreateAliasAsync("blue", "green", ct));
        var ofAlias = await Assert.ThrowsAsync<MilvusException>(() => client.CreateAliasAsync("live", "other", ct));
        var blueRows = await client.CountAsync("live", consistency: ConsistencyLevel.Strong, cancellationToken: ct);
        await client.AlterAliasAsync("green", "live", ct);
        var greenRows = await client.CountAsync("live", consistency: ConsistencyLevel.Strong, cancellationToken: ct);
        await client.DropAliasAsync("live", ct);
        await client.DropAliasAsync("live", ct);

        Assert.Equal(2, blueRows);
        Assert.Equal(3, greenRows);
        Assert.Equal("Collection 'blue' has aliases 'live': drop them before the collection.", dropAliased.Message);
        Assert.Equal("Alias 'live' names collection 'blue' already; alter it to move it.", elsewhere.Message);
        Assert.Equal("Alias 'green' is the name of a collection; an alias must not name one.", collectionName.Message);
        Assert.Equal("'live' is an alias of collection 'blue': give the collection's own name.", ofAlias.Message);
        Assert.Empty(await client.ListAliasesAsync(ct));
        Assert.Equal(ErrorCode.CollectionNotFound, (await Assert.ThrowsAsync<MilvusException>(() => client.DescribeCollectionAsync("live", ct))).Code);
        var missing = await Assert.ThrowsAsync<MilvusException>(() => client.AlterAliasAsync("green", "live", ct));
        Assert.Equal((ErrorCode.AliasNotFound, "No collection has alias 'live'."), (missing.Code, missing.Message));
    }

    [Fact]
    public async Task GetCachedCollectionAsync_WhenAnotherClientMovesAnAlias_SeesTheMoveSoonAfterTheDescriptionLifetimePasses()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var time = new FakeTimeProvider();
        var other = new MilvusClient(TestCluster.Cluster.Client, time);
        var first = await client.CreateCollectionAsync(TestRows.Schema("first", shards: 1), ct);
        var second = await client.CreateCollectionAsync(TestRows.Schema("second", shards: 1), ct);
        await client.CreateAliasAsync("first", "current", ct);
        Assert.Equal(first.Id, (await other.GetCachedCollectionAsync("current", ct)).Id);

        await client.AlterAliasAsync("second", "current", ct);
        var withinLifetime = (await other.GetCachedCollectionAsync("current", ct)).Id;
        time.Advance(other.DescriptionLifetime);
        var whileRefreshing = (await other.GetCachedCollectionAsync("current", ct)).Id;
        var refreshed = await Poll.UntilAsync(() => other.GetCachedCollectionAsync("current", ct), info => info.Id == second.Id, TimeSpan.FromSeconds(10), ct);

        Assert.Equal((first.Id, first.Id, second.Id), (withinLifetime, whileRefreshing, refreshed.Id));
    }
}
