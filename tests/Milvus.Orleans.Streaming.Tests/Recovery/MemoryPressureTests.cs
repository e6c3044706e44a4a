using Microsoft.Extensions.DependencyInjection;
using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Streaming.Buffers;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Streaming.Tests.Recovery;

/// <summary>Growing segments past their share of <c>Milvus:Wal:BufferSizeMb</c> are sealed and written before the next record is taken.</summary>
public sealed class MemoryPressureTests() : ClusterTests(1, new Dictionary<string, string?> { ["Milvus:Wal:BufferSizeMb"] = "64" })
{
    private const int Dimension = 256;
    private const int BatchRows = 1_000;

    [Fact]
    public async Task InsertAsync_OfMoreThanTheGrowingShare_SealsBeforeTheShareIsPassedAndKeepsEveryRowOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var budget = TestCluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<BufferBudget>();
        var info = await TestCluster.Client.CreateCollectionAsync(
            new CollectionSchema("pressed", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], 1), ct);
        long maxGrowing = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sampler = Task.Run(
            async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    maxGrowing = Math.Max(maxGrowing, budget.Growing);
                    await Task.Yield();
                }
            },
            CancellationToken.None);

        // 32 batches of 1,032,000 estimated bytes against a growing share of 24 MiB (25,165,824 bytes): the 25th
        // would pass it, so the first 24 are sealed and written before it is taken.
        for (var batch = 0; batch < 32; batch++)
        {
            await TestCluster.Client.InsertAsync("pressed", Batch(batch * BatchRows), cancellationToken: ct);
        }

        var beforeFlush = await WaitForSegmentsAsync(info, ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
        await TestCluster.Client.FlushAsync("pressed", ct);
        await stop.CancelAsync();
        await sampler;

        Assert.Equal(24 * BatchRows, Assert.Single(beforeFlush.Segments).Rows);
        Assert.InRange(maxGrowing, 24 * 1_032_000, budget.GrowingLimit);
        var history = await HistoryContents.ReadAsync(TestCluster.History, info, ct);
        Assert.Equal([24 * BatchRows, 8 * BatchRows], history.Segments.OrderBy(s => s.SegmentId).Select(s => s.Rows));
        Assert.Equal(Enumerable.Range(0, 32 * BatchRows).Select(i => (long)i), history.LiveKeys.Order());
    }

    private async Task<HistoryContents> WaitForSegmentsAsync(Schema.CollectionInfo info, CancellationToken ct)
    {
        // The recovery loop follows the log on its own: the pressure seal may land just after the last insert returns.
        while (true)
        {
            var history = await HistoryContents.ReadAsync(TestCluster.History, info, ct);
            if (history.Segments.Count > 0)
            {
                return history;
            }

            await Task.Delay(20, ct);
        }
    }

    private static RowBatch Batch(long firstKey)
    {
        var keys = new long[BatchRows];
        var vectors = new float[BatchRows * Dimension];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = firstKey + i;
            vectors[i * Dimension] = keys[i];
        }

        return new RowBatch([FieldColumn.Int64("id", keys), FieldColumn.FloatVector("vec", Dimension, vectors)]);
    }
}
