using System.Diagnostics;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Milvus.Orleans.Cli.Demo;
using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Grains;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Benchmarks;

/// <summary>
/// Compaction on one in-process silo with the defaults (but automatic compaction off): 1,000 inserts of clustered
/// 128-d rows, each flushed (1,000 small segments), loaded; then searched by 8 concurrent clients through the SDK
/// with its default options, compacted, and searched again. Anchor of the same run: the same segment files read from
/// blob storage and the same number of bytes written back, one file at a time, as compaction reads and writes them.
/// </summary>
internal static class LifecycleBenchmark
{
    private const int Dimension = 128;
    private const int Flushes = 1_000;
    private const int TopK = 10;
    private const int Clients = 8;

    public static async Task RunAsync(int rowsPerFlush, TimeSpan duration, TextWriter output)
    {
        var generator = new ClusteredVectors(Dimension);
        var queryVectors = generator.Next(100);
        float[][] queries = [.. Enumerable.Range(0, 100).Select(q => queryVectors.AsSpan(q * Dimension, Dimension).ToArray())];
        await using var cluster = await InProcessMilvusCluster.StartAsync(1, new Dictionary<string, string?> { ["Milvus:Compaction:IntervalMinutes"] = "0" });
        var client = cluster.Client;
        await client.CreateCollectionAsync(new CollectionSchema("lifecycle", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], ShardCount: 1));
        var clock = Stopwatch.StartNew();
        for (var flush = 0; flush < Flushes; flush++)
        {
            var keys = Enumerable.Range(flush * rowsPerFlush, rowsPerFlush).Select(i => (long)i).ToArray();
            await client.InsertAsync("lifecycle", new RowBatch([FieldColumn.Int64("id", keys), FieldColumn.FloatVector("vec", Dimension, generator.Next(rowsPerFlush))]));
            await client.FlushAsync("lifecycle");
        }

        await output.WriteLineAsync($"segments.rows={Flushes * rowsPerFlush} ({Flushes} flushes of {rowsPerFlush} rows, {Dimension}-d, took {Measurement.Format(clock.Elapsed.TotalSeconds)} s)");
        await client.LoadCollectionAsync("lifecycle");
        var before = await SearchLoopAsync(client, queries, duration);
        await output.WriteLineAsync($"search.qps.before={Measurement.Format(before.PerSecond)} ({await SegmentsAsync(client)} sealed segments; {Clients} clients, top-{TopK}, SDK defaults)");
        await output.WriteLineAsync($"search.p99_ms.before={Measurement.Format(before.P99Ms)}");

        var anchor = await ReadWriteAnchorAsync(cluster.History);
        await output.WriteLineAsync($"anchor.read_write.mb_per_s={Measurement.Format(anchor.Bytes / 1e6 / anchor.Seconds)} ({Measurement.Format(anchor.Bytes / 1e6)} MB of segment files downloaded and as many bytes uploaded, one file at a time)");

        await client.CompactAsync("lifecycle");
        CompactionState state;
        do
        {
            await Task.Delay(200);
            state = await client.GetCompactionStateAsync("lifecycle");
        }
        while (state.Phase == CompactionPhase.Running);

        var seconds = (state.Finished!.Value - state.Started!.Value).TotalSeconds;
        var megabytes = (state.BytesRead + state.BytesWritten) / 2e6;
        await output.WriteLineAsync($"compaction.state={state.Phase} ({state.SegmentsBefore} -> {state.SegmentsAfter} segments, {Measurement.Format(state.BytesRead / 1e6)} MB read, {Measurement.Format(state.BytesWritten / 1e6)} MB written, {Measurement.Format(seconds)} s with the HNSW graph){(state.Error is null ? "" : " " + state.Error)}");
        await output.WriteLineAsync($"compaction.mb_per_s={Measurement.Format(megabytes / seconds)} (mean of read and written MB per second, as the anchor)");
        await output.WriteLineAsync($"ratio.compaction_over_read_write={Measurement.Format(megabytes / seconds / (anchor.Bytes / 1e6 / anchor.Seconds))}");
        while (await SegmentsAsync(client) > state.SegmentsAfter)
        {
            await Task.Delay(200);
        }

        // The new segment's graph is loaded by its node before the swap; wait until the node reports it indexed.
        await client.LoadCollectionAsync("lifecycle");
        var after = await SearchLoopAsync(client, queries, duration);
        await output.WriteLineAsync($"search.qps.after={Measurement.Format(after.PerSecond)} ({await SegmentsAsync(client)} sealed segments)");
        await output.WriteLineAsync($"search.p99_ms.after={Measurement.Format(after.P99Ms)}");
        await output.WriteLineAsync($"ratio.search_after_over_before={Measurement.Format(after.PerSecond / before.PerSecond)}");
    }

    /// <summary>Downloads every live segment file and uploads as many bytes to a scratch container, one file at a time.</summary>
    private static async Task<(long Bytes, double Seconds)> ReadWriteAnchorAsync(BlobContainerClient history)
    {
        var manifests = await new AzureBlobHistoryStore(history).ListSegmentsAsync(CancellationToken.None).ToListAsync();
        var scratch = history.GetParentBlobServiceClient().GetBlobContainerClient("anchor");
        await scratch.CreateIfNotExistsAsync();
        var bytes = 0L;
        var clock = Stopwatch.StartNew();
        foreach (var manifest in manifests)
        {
            foreach (var file in manifest.Files)
            {
                var content = await history.GetBlobClient($"history/{manifest.CollectionId}/{manifest.PartitionId}/{manifest.SegmentId}/{file.Name}").DownloadContentAsync();
                await scratch.GetBlobClient($"{manifest.SegmentId}-{file.Name}").UploadAsync(content.Value.Content, overwrite: true);
                bytes += file.Bytes;
            }
        }

        return (bytes, clock.Elapsed.TotalSeconds);
    }

    private static async Task<int> SegmentsAsync(MilvusClient client) =>
        (await client.GetShardStatusAsync("lifecycle")).Sum(s => s.SegmentsByNode.Values.Sum() + s.SealedInMemory);

    private static Task<Measurement.Result> SearchLoopAsync(MilvusClient client, float[][] queries, TimeSpan duration)
    {
        var next = 0;
        return Measurement.RunAsync(Clients, duration, () => client.SearchAsync("lifecycle", [queries[Interlocked.Increment(ref next) % queries.Length]], TopK));
    }
}
