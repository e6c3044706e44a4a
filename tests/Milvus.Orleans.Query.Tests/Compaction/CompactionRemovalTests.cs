using Azure.Storage.Blobs.Models;
using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Query.Tests.Compaction;

/// <summary>
/// Compaction with a retention window of 0 hours: rows deleted or expired are no read's any more, so compaction
/// leaves them out, and the next sweep deletes the segments it replaced.
/// </summary>
public sealed class CompactionRemovalTests : IAsyncLifetime
{
    private const int Dimension = 8;
    private InProcessMilvusCluster _cluster = null!;

    public async ValueTask InitializeAsync() =>
        _cluster = await CompactionSteps.StartAsync(("Milvus:Query:IndexMinRows", "50"), ("Milvus:History:RetentionHours", "0"));

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task CompactAsync_WithDeletedRows_LeavesThemOutBuildsTheGraphAndTheSweepDeletesTheReplacedSegments()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        var random = new Random(29);
        await client.CreateCollectionAsync(new CollectionSchema("purged", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], ShardCount: 1), ct);
        var live = new Dictionary<long, float[]>();
        for (var part = 0; part < 5; part++)
        {
            await InsertAsync(client, "purged", part * 20, 20, random, live, ct);
            await client.FlushAsync("purged", ct);
        }

        await client.DeleteAsync("purged", PrimaryKeys.Of([.. Enumerable.Range(0, 30).Select(k => (long)k)]), cancellationToken: ct);
        await client.FlushAsync("purged", ct);
        foreach (var key in Enumerable.Range(0, 30))
        {
            live.Remove(key);
        }

        await client.LoadCollectionAsync("purged", ct);
        var state = await CompactionSteps.CompactAsync(client, "purged", ct);
        await Poll.UntilAsync(() => CompactionSteps.SegmentsAsync(client, "purged", ct), n => n == 1, TimeSpan.FromSeconds(30), ct);
        var folders = await FoldersAsync(ct);
        var compacted = folders.Single(f => f.Value.Contains("manifest.json") && f.Value.Any(n => n.StartsWith("hnsw-", StringComparison.Ordinal))).Key;
        var swept = await _cluster.SiloGrains.GetGrain<IHistoryCollectorGrain>(0).SweepAsync();
        var afterSweep = await FoldersAsync(ct);
        var queries = Enumerable.Range(0, 5).Select(_ => RandomVector(random)).ToArray();
        var searched = await client.SearchAsync("purged", queries, 5, new SearchParameters(Consistency: ConsistencyLevel.Strong), ct);

        Assert.Equal((CompactionPhase.Completed, 1, 6, 1, 30L), (state.Phase, state.Planned, state.SegmentsBefore, state.SegmentsAfter, state.RowsRemoved));
        Assert.Equal(7, folders.Count);
        Assert.Equal(["data.parquet", "deletes.parquet", "hnsw-vec-L2-m16-ef128.usearch", "manifest.json"], folders[compacted]);
        // Five segments of rows (data, manifest) and one of deletes only (an empty data file, deletes, manifest).
        Assert.Equal((5 * 2) + 3, swept);
        Assert.Equal([compacted], afterSweep.Keys);
        Assert.Equal(folders[compacted], afterSweep[compacted]);
        Assert.Equal(70, await client.CountAsync("purged", consistency: ConsistencyLevel.Strong, cancellationToken: ct));
        Assert.Equal(
            queries.Select(q => SearchOracle.Nearest(live, q, MetricType.L2, 5).Select(e => e.Key).ToArray()),
            searched.Select(h => (long[])h.Rows.Column("id")!.Values));
    }

    [Fact]
    public async Task CompactAsync_WithRowsPastTheirTtl_LeavesThemOut()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        var random = new Random(31);
        await client.CreateCollectionAsync(new CollectionSchema("expiring", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], ShardCount: 1, TtlSeconds: 1), ct);
        var live = new Dictionary<long, float[]>();
        await InsertAsync(client, "expiring", 0, 20, random, live, ct);
        await client.FlushAsync("expiring", ct);
        await Poll.UntilAsync(() => client.CountAsync("expiring", consistency: ConsistencyLevel.Strong, cancellationToken: ct), n => n == 0, TimeSpan.FromSeconds(30), ct);
        await InsertAsync(client, "expiring", 20, 5, random, live, ct);
        await client.FlushAsync("expiring", ct);

        var state = await CompactionSteps.CompactAsync(client, "expiring", ct);

        Assert.Equal((CompactionPhase.Completed, 2, 1, 20L), (state.Phase, state.SegmentsBefore, state.SegmentsAfter, state.RowsRemoved));
    }

    /// <summary>Each segment folder of history with its files' names, in order.</summary>
    private async Task<Dictionary<string, string[]>> FoldersAsync(CancellationToken ct) =>
        (await _cluster.History.GetBlobsAsync(new GetBlobsOptions { Prefix = "history/" }, ct).Select(b => b.Name).ToListAsync(ct))
            .GroupBy(n => n[..n.LastIndexOf('/')])
            .ToDictionary(g => g.Key, g => g.Select(n => n[(n.LastIndexOf('/') + 1)..]).Order(StringComparer.Ordinal).ToArray());

    private static async Task InsertAsync(MilvusClient client, string collection, long first, int count, Random random, Dictionary<long, float[]> live, CancellationToken ct)
    {
        var keys = Enumerable.Range(0, count).Select(i => first + i).ToArray();
        var vectors = keys.Select(_ => RandomVector(random)).ToArray();
        await client.InsertAsync(collection, new RowBatch([FieldColumn.Int64("id", keys), FieldColumn.FloatVector("vec", Dimension, [.. vectors.SelectMany(v => v)])]), cancellationToken: ct);
        for (var i = 0; i < keys.Length; i++)
        {
            live[keys[i]] = vectors[i];
        }
    }

    private static float[] RandomVector(Random random) => [.. Enumerable.Range(0, Dimension).Select(_ => random.NextSingle())];
}
