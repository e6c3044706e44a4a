using System.Diagnostics.Metrics;
using DuckDB.NET.Data;
using Microsoft.Extensions.DependencyInjection;
using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Streaming.Tests.Collections;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Streaming.Tests.Recovery;

/// <summary>The log into history through the recovery grains, on two silos, read back from the history container.</summary>
// The blob twin runs after this class, not beside it: two clusters at once load the 2-core CI machine.
[Collection(nameof(RecoveryTests))]
public class RecoveryTests : ClusterTests
{
    public RecoveryTests()
        : this(null)
    {
    }

    protected RecoveryTests(IReadOnlyDictionary<string, string?>? settings)
        : base(2, settings)
    {
    }

    [Fact]
    public async Task FlushAsync_AfterInsertsAndDeletes_ReturnsOnceHistoryHoldsEveryRowAndDeleteOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("flushed", shards: 2), ct);
        for (var batch = 0; batch < 10; batch++)
        {
            await client.InsertAsync("flushed", TestRows.Rows(batch * 100, 100), cancellationToken: ct);
        }

        await client.DeleteAsync("flushed", PrimaryKeys.Of([.. Enumerable.Range(0, 10).Select(i => (long)i * 7)]), cancellationToken: ct);

        var flushed = await client.FlushAsync("flushed", ct);

        var history = await HistoryContents.ReadAsync(TestCluster.History, info, ct);
        Assert.Equal(flushed.SegmentIds.Order(), history.Segments.Select(s => s.SegmentId).Order());
        Assert.Equal(2, flushed.SegmentIds.Count);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), history.Rows.Select(r => r.Key).Order());
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i * 7), history.Deletes.Select(d => d.Key).Order());
        Assert.Equal(990, history.LiveKeys.Length);
        var state = await client.GetFlushStateAsync("flushed", ct);
        Assert.Equal(2, state.Count);
        Assert.All(state, shard => Assert.True(shard.IsFlushed, $"{shard} is not flushed"));
        Assert.All(state, shard => Assert.True(shard.LastWrite <= flushed.Ts && shard.Persisted >= shard.LastWrite));
    }

    [Fact]
    public async Task FlushAsync_WritesParquetFilesThatDuckDbReadsAsInserted()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("ducked", shards: 1), ct);
        await client.InsertAsync("ducked", TestRows.Rows(0, 300), cancellationToken: ct);
        var segment = Assert.Single((await client.FlushAsync("ducked", ct)).SegmentIds);

        var file = Path.Combine(TestCluster.WalPath, "data.parquet");
        var partition = info.PartitionId("_default");
        await TestCluster.History.GetBlobClient($"history/{info.Id}/{partition}/{segment}/data.parquet").DownloadToAsync(file, ct);
        using var duck = new DuckDBConnection("Data Source=:memory:");
        await duck.OpenAsync(ct);

        Assert.Equal(300L, await ScalarAsync(duck, $"SELECT count(*) FROM read_parquet('{file}')", ct));
        Assert.Equal(
            (float[])TestRows.Rows(123, 1).Column("vec")!.Values,
            ((System.Collections.IEnumerable)(await ScalarAsync(duck, $"SELECT vec FROM read_parquet('{file}') WHERE id = 123", ct))!).Cast<float>());
        Assert.Equal("row 123", await ScalarAsync(duck, $"SELECT title FROM read_parquet('{file}') WHERE id = 123", ct));
    }

    [Fact]
    public async Task FlushAsync_OfOneCollection_LeavesTheOthersGrowing()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;

        var (one, other) = await FlushOneOfTwoAsync("one", 50, "other", 60, ct);

        Assert.Equal(50, (await HistoryContents.ReadAsync(TestCluster.History, one, ct)).Rows.Count);
        Assert.Empty((await HistoryContents.ReadAsync(TestCluster.History, other, ct)).Segments);
        var otherState = Assert.Single(await client.GetFlushStateAsync("other", ct));
        Assert.False(otherState.IsFlushed);
        Assert.True(otherState.Applied >= otherState.LastWrite);
    }

    [Fact]
    public async Task LsnGauges_AfterOneOfTwoCollectionsIsFlushed_ReportTheFlushStateOfEach()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var (flushed, growing) = await FlushOneOfTwoAsync("gauged", 40, "ungauged", 30, ct);
        var flushedState = Assert.Single(await client.GetFlushStateAsync("gauged", ct));
        var growingState = Assert.Single(await client.GetFlushStateAsync("ungauged", ct));

        var points = ReadLsnGauges();

        var flushedPoints = points[flushed.VChannels[0]];
        Assert.Equal(flushedState.LastWrite.PhysicalMs, flushedPoints["milvus.lsn.last_write"]);
        Assert.True(flushedPoints["milvus.lsn.applied"] >= flushedState.LastWrite.PhysicalMs);
        Assert.True(flushedPoints["milvus.lsn.persisted"] >= flushedState.LastWrite.PhysicalMs);
        Assert.Equal(0, flushedPoints["milvus.lsn.unpersisted"]);
        var growingPoints = points[growing.VChannels[0]];
        Assert.Equal(growingState.LastWrite.PhysicalMs, growingPoints["milvus.lsn.last_write"]);
        Assert.Equal(growingState.Persisted.PhysicalMs, growingPoints["milvus.lsn.persisted"]);
        Assert.Equal(growingState.LastWrite.PhysicalMs - growingState.Persisted.PhysicalMs, growingPoints["milvus.lsn.unpersisted"]);
    }

    /// <summary>Two one-shard collections with rows, the first of them flushed.</summary>
    private async Task<(CollectionInfo Flushed, CollectionInfo Growing)> FlushOneOfTwoAsync(string flushed, int flushedRows, string growing, int growingRows, CancellationToken ct)
    {
        var client = TestCluster.Client;
        var first = await client.CreateCollectionAsync(TestRows.Schema(flushed, shards: 1), ct);
        var second = await client.CreateCollectionAsync(TestRows.Schema(growing, shards: 1), ct);
        await client.InsertAsync(flushed, TestRows.Rows(0, flushedRows), cancellationToken: ct);
        await client.InsertAsync(growing, TestRows.Rows(0, growingRows), cancellationToken: ct);
        await client.FlushAsync(flushed, ct);
        return (first, second);
    }

    /// <summary>One collection of the LSN gauges of this cluster's silos (other clusters may run in this process): point name by vchannel.</summary>
    private Dictionary<string, Dictionary<string, long>> ReadLsnGauges()
    {
        var silos = TestCluster.Cluster.Silos.Select(s => (object)s.ServiceProvider.GetRequiredService<IMeterFactory>()).ToHashSet();
        var points = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Milvus.Orleans" && instrument.Meter.Scope is { } scope && silos.Contains(scope)
                && instrument.Name.StartsWith("milvus.lsn.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var vchannel = (string)tags.ToArray().Single(t => t.Key == "vchannel").Value!;
            lock (points)
            {
                (points.TryGetValue(vchannel, out var byName) ? byName : points[vchannel] = [])[instrument.Name] = value;
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return points;
    }

    [Fact]
    public async Task RestartAsync_WithRowsOnlyInTheLog_RebuildsThemSoAFlushWritesEveryRowExactlyOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("restarted", shards: 2), ct);
        await client.InsertAsync("restarted", TestRows.Rows(0, 500), cancellationToken: ct);
        var first = await client.FlushAsync("restarted", ct);
        await client.InsertAsync("restarted", TestRows.Rows(500, 300), cancellationToken: ct);
        await client.UpsertAsync("restarted", TestRows.Rows(0, 5), cancellationToken: ct);
        await client.DeleteAsync("restarted", PrimaryKeys.Of(499L, 500L), cancellationToken: ct);

        await TestCluster.RestartAsync(cancellationToken: ct);
        var second = await TestCluster.Client.FlushAsync(cancellationToken: ct);

        var history = await HistoryContents.ReadAsync(TestCluster.History, info, ct);
        Assert.Equal(first.SegmentIds.Concat(second["restarted"].SegmentIds).Order(), history.Segments.Select(s => s.SegmentId).Order());
        Assert.Equal(805, history.Rows.Count);
        // The upsert hides the first rows 0..4 and adds new ones; the delete hides 499 and 500; nothing is there twice.
        Assert.Equal(Enumerable.Range(0, 800).Select(i => (long)i).Where(k => k is not (499 or 500)), history.LiveKeys);
    }

    [Fact]
    public async Task RestartAsync_WhenACollectionWasDroppedInTheReplayedLog_RecoversTheOthers()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var dropped = await client.CreateCollectionAsync(TestRows.Schema("dropped", shards: 1), ct);
        var kept = await client.CreateCollectionAsync(TestRows.Schema("kept", shards: 1), ct);
        await client.InsertAsync("dropped", TestRows.Rows(0, 40), cancellationToken: ct);
        await client.InsertAsync("kept", TestRows.Rows(0, 30), cancellationToken: ct);
        await client.DropCollectionAsync("dropped", ct);

        await TestCluster.RestartAsync(cancellationToken: ct);
        var flushed = await TestCluster.Client.FlushAsync(cancellationToken: ct);

        Assert.Equal(["kept"], flushed.Keys);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), (await HistoryContents.ReadAsync(TestCluster.History, kept, ct)).LiveKeys);
        Assert.Empty((await HistoryContents.ReadAsync(TestCluster.History, dropped, ct)).Segments);
    }

    private static async Task<object?> ScalarAsync(DuckDBConnection duck, string sql, CancellationToken ct)
    {
        using var command = duck.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(ct);
    }
}

/// <summary>The same, with the WAL in append blobs: recovery replays it from blob storage.</summary>
[Collection(nameof(RecoveryTests))]
public sealed class RecoveryOnBlobWalTests() : RecoveryTests(InProcessMilvusCluster.BlobWal);
