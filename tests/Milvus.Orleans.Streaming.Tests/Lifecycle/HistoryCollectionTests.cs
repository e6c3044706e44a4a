using Azure.Storage.Blobs.Models;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Query;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Streaming.Tests.Collections;

namespace Milvus.Orleans.Streaming.Tests.Lifecycle;

/// <summary>Dropped collections' and partitions' history files are deleted by the collector once the retention passed.</summary>
public sealed class HistoryCollectionTests() : ClusterTests(1, new Dictionary<string, string?> { ["Milvus:History:RetentionHours"] = "0" })
{
    [Fact]
    public async Task SweepAsync_WhenACollectionWasDroppedAndTheRetentionPassed_DeletesItsHistoryAndNothingElse()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var doomed = await client.CreateCollectionAsync(TestRows.Schema("doomed", shards: 1), ct);
        var kept = await client.CreateCollectionAsync(TestRows.Schema("kept", shards: 1), ct);
        foreach (var name in (string[])["doomed", "kept"])
        {
            await client.InsertAsync(name, TestRows.Rows(1, 20), cancellationToken: ct);
            await client.FlushAsync(name, ct);
        }

        var doomedFiles = await FilesAsync($"history/{doomed.Id}/", ct);
        var keptFiles = await FilesAsync($"history/{kept.Id}/", ct);
        await client.DropCollectionAsync("doomed", ct);
        var collector = TestCluster.SiloGrains.GetGrain<IHistoryCollectorGrain>(0);

        var deleted = await collector.SweepAsync();
        var again = await collector.SweepAsync();

        Assert.NotEmpty(doomedFiles);
        Assert.Equal((doomedFiles.Count, 0), (deleted, again));
        Assert.Empty(await FilesAsync($"history/{doomed.Id}/", ct));
        Assert.Equal(keptFiles, await FilesAsync($"history/{kept.Id}/", ct));
        Assert.Empty(await TestCluster.SiloGrains.GetGrain<ICatalogGrain>(0).GetDroppedHistoryAsync());
        Assert.Equal(20, await client.CountAsync("kept", consistency: ConsistencyLevel.Strong, cancellationToken: ct));
    }

    [Fact]
    public async Task SweepAsync_WhenAPartitionWasDropped_DeletesOnlyThatPartitionsHistory()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("parted", shards: 1), ct);
        await client.CreatePartitionAsync("parted", "old", ct);
        await client.InsertAsync("parted", TestRows.Rows(1, 10), cancellationToken: ct);
        await client.InsertAsync("parted", TestRows.Rows(100, 5), "old", ct);
        await client.FlushAsync("parted", ct);
        var old = (await client.DescribeCollectionAsync("parted", ct)).PartitionId("old")!.Value;
        var defaultFiles = await FilesAsync($"history/{info.Id}/{info.PartitionId(Names.DefaultPartition)}/", ct);
        var oldFiles = await FilesAsync($"history/{info.Id}/{old}/", ct);
        await client.DropPartitionAsync("parted", "old", ct);

        var deleted = await TestCluster.SiloGrains.GetGrain<IHistoryCollectorGrain>(0).SweepAsync();

        Assert.NotEmpty(oldFiles);
        Assert.Equal(oldFiles.Count, deleted);
        Assert.Empty(await FilesAsync($"history/{info.Id}/{old}/", ct));
        Assert.Equal(defaultFiles, await FilesAsync($"history/{info.Id}/{info.PartitionId(Names.DefaultPartition)}/", ct));
        Assert.Equal(10, await client.CountAsync("parted", consistency: ConsistencyLevel.Strong, cancellationToken: ct));
    }

    private async Task<List<string>> FilesAsync(string prefix, CancellationToken ct) =>
        await TestCluster.History.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, ct).Select(b => b.Name).ToListAsync(ct);
}

/// <summary>Within the retention nothing is deleted.</summary>
public sealed class HistoryRetentionTests() : ClusterTests(1, new Dictionary<string, string?> { ["Milvus:History:RetentionHours"] = "24" })
{
    [Fact]
    public async Task SweepAsync_WhenTheRetentionHasNotPassed_KeepsTheDroppedCollectionsHistory()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("recent", shards: 1), ct);
        await client.InsertAsync("recent", TestRows.Rows(1, 20), cancellationToken: ct);
        await client.FlushAsync("recent", ct);
        var files = await TestCluster.History.GetBlobsAsync(new GetBlobsOptions { Prefix = $"history/{info.Id}/" }, ct).Select(b => b.Name).ToListAsync(ct);
        await client.DropCollectionAsync("recent", ct);

        var deleted = await TestCluster.SiloGrains.GetGrain<IHistoryCollectorGrain>(0).SweepAsync();

        Assert.Equal(0, deleted);
        Assert.Equal(files, await TestCluster.History.GetBlobsAsync(new GetBlobsOptions { Prefix = $"history/{info.Id}/" }, ct).Select(b => b.Name).ToListAsync(ct));
        Assert.Equal([info.Id], (await TestCluster.SiloGrains.GetGrain<ICatalogGrain>(0).GetDroppedHistoryAsync()).Select(d => d.CollectionId));
    }
}
