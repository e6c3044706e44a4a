using System.Collections.Concurrent;
using System.Diagnostics;
using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;
using Milvus.Orleans.Wal.AzureBlob;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Benchmarks;

/// <summary>
/// The streaming service through the client SDK into three in-process silos (grain state in Garnet, the local WAL
/// on disk), against the raw WAL's append rate measured in the same run; then failover on real silo processes.
/// </summary>
internal static class StreamingBenchmark
{
    private const int Dimension = 128;
    private const int BatchRows = 1_000;
    private const int Writers = 4;
    private const int Shards = 8;

    private static readonly float[] Vectors = [.. Enumerable.Range(0, BatchRows * Dimension).Select(_ => Random.Shared.NextSingle())];

    /// <param name="duration">How long each phase runs.</param>
    /// <param name="kills">How many silo processes the failover part kills.</param>
    /// <param name="output">Where the figures go.</param>
    /// <param name="blob">Also measure inserts and failover with the WAL in append blobs (Azurite), beside the local figures.</param>
    public static async Task RunAsync(TimeSpan duration, int kills, TextWriter output, bool blob)
    {
        await using var cluster = await InProcessMilvusCluster.StartAsync(3);
        await cluster.WaitForBalancedAsync(3, TimeSpan.FromSeconds(60));
        var client = cluster.Client;
        var info = await client.CreateCollectionAsync(
            new CollectionSchema("bench", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], Shards));

        // Anchor: the same bytes per second appended straight to a local log on the same disk, 64 callers.
        var batchBytes = Batch(0).EstimatedBytes;
        var raw = await RawWalAsync(new LocalWalStorage(new LocalWalOptions { Path = Path.Combine(cluster.WalPath, "anchor") }), (int)(batchBytes / Shards), duration);
        await output.WriteLineAsync($"anchor.wal.c64.mb_per_s={Measurement.Format(raw.PerSecond * batchBytes / Shards / 1e6)}");

        var (pausedBefore, gen2Before) = (GC.GetTotalPauseDuration(), GC.CollectionCount(2));
        var inserts = await InsertAsync(client, duration);
        await output.WriteLineAsync($"insert.gc_pause_ms={Measurement.Format((GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds)} (gen2 collections: {GC.CollectionCount(2) - gen2Before})");
        var rowsPerSecond = inserts.PerSecond * BatchRows;
        await output.WriteLineAsync($"insert.rows_per_s={Measurement.Format(rowsPerSecond)}");
        await output.WriteLineAsync($"insert.mb_per_s={Measurement.Format(rowsPerSecond * batchBytes / BatchRows / 1e6)}");
        await output.WriteLineAsync($"append.p50_ms={Measurement.Format(inserts.P50Ms)}");
        await output.WriteLineAsync($"append.p99_ms={Measurement.Format(inserts.P99Ms)}");
        await output.WriteLineAsync($"ratio.insert_mb_over_wal_mb={Measurement.Format(rowsPerSecond * batchBytes / BatchRows / (raw.PerSecond * batchBytes / Shards))}");

        var lag = await SubscribeLagAsync(client, info.VChannels[0], duration);
        await output.WriteLineAsync($"subscribe.lag_p50_ms={Measurement.Format(lag.P50)}");
        await output.WriteLineAsync($"subscribe.lag_ms={Measurement.Format(lag.P99)} (p99)");

        if (blob)
        {
            // The same writers into a cluster whose WAL is in append blobs on Azurite.
            await using var blobCluster = await InProcessMilvusCluster.StartAsync(3, InProcessMilvusCluster.BlobWal);
            await blobCluster.WaitForBalancedAsync(3, TimeSpan.FromSeconds(60));
            await blobCluster.Client.CreateCollectionAsync(
                new CollectionSchema("bench", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], Shards));
            // Anchor: the same bytes appended straight to a blob log on the same Azurite, 64 callers.
            var rawBlob = await RawWalAsync(new AzureBlobWalStorage(blobCluster.WalBlobs), (int)(batchBytes / Shards), duration);
            await output.WriteLineAsync($"anchor.blob_wal.c64.mb_per_s={Measurement.Format(rawBlob.PerSecond * batchBytes / Shards / 1e6)}");
            var blobInserts = await InsertAsync(blobCluster.Client, duration);
            await output.WriteLineAsync($"blob.insert.rows_per_s={Measurement.Format(blobInserts.PerSecond * BatchRows)}");
            await output.WriteLineAsync($"blob.append.p50_ms={Measurement.Format(blobInserts.P50Ms)}");
            await output.WriteLineAsync($"blob.append.p99_ms={Measurement.Format(blobInserts.P99Ms)}");
            await output.WriteLineAsync($"ratio.blob_insert_over_local={Measurement.Format(blobInserts.PerSecond / inserts.PerSecond)} (target >= 0.5)");
            await output.WriteLineAsync($"ratio.blob_insert_mb_over_blob_wal_mb={Measurement.Format(blobInserts.PerSecond * batchBytes / (rawBlob.PerSecond * batchBytes / Shards))}");
        }

        // Failover on real processes: the in-process cluster declares a killed silo dead at once, which would
        // leave failure detection out of the figure.
        await ProcessFailoverBenchmark.RunAsync(kills, output);
        if (blob)
        {
            await ProcessFailoverBenchmark.RunAsync(kills, output, "blob");
        }
    }

    /// <summary>4 writers of 1,000-row batches of 128-d vectors into collection <c>bench</c> for <paramref name="duration"/>.</summary>
    private static Task<Measurement.Result> InsertAsync(MilvusClient client, TimeSpan duration)
    {
        var nextKey = 0L;
        return Measurement.RunAsync(Writers, duration, () =>
            client.InsertAsync("bench", Batch(Interlocked.Add(ref nextKey, BatchRows) - BatchRows)));
    }

    private static RowBatch Batch(long firstKey)
    {
        var keys = new long[BatchRows];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = firstKey + i;
        }

        // One set of random vectors for every batch: the client's cost is sending, not generating.
        return new RowBatch([FieldColumn.Int64("id", keys), FieldColumn.FloatVector("vec", Dimension, Vectors)]);
    }

    private static async Task<Measurement.Result> RawWalAsync(IWalStorage storage, int recordBytes, TimeSpan duration)
    {
        await using var writer = await storage.OpenWriterAsync("anchor", 1, CancellationToken.None);
        WalEntry[] entry = [new WalEntry(1, new byte[recordBytes])];
        return await Measurement.RunAsync(64, duration, () => writer.AppendAsync(entry, CancellationToken.None).AsTask());
    }

    /// <summary>Acknowledge → subscriber receives, for small inserts one after another on one vchannel.</summary>
    private static async Task<(double P50, double P99)> SubscribeLagAsync(MilvusClient client, string vchannel, TimeSpan duration)
    {
        var received = new ConcurrentDictionary<long, long>();
        using var stop = new CancellationTokenSource();
        var subscriber = Task.Run(async () =>
        {
            await foreach (var message in client.SubscribeAsync(vchannel, SubscriptionStart.Latest, stop.Token))
            {
                if (message.Message.Kind == MessageKind.Insert)
                {
                    received.TryAdd(((long[])message.Message.Rows!.Column("id")!.Values)[0], Stopwatch.GetTimestamp());
                }
            }
        });
        await Task.Delay(500);

        // Keys of shard 0 only, so each insert is one message on the subscribed vchannel.
        var acknowledged = new Dictionary<long, long>();
        var clock = Stopwatch.StartNew();
        for (var key = 10_000_000_000L; clock.Elapsed < duration; key++)
        {
            if (Channels.ShardRouter.ShardOf(key, Shards) != 0)
            {
                continue;
            }

            await client.InsertAsync("bench", new RowBatch([FieldColumn.Int64("id", [key]), FieldColumn.FloatVector("vec", Dimension, new float[Dimension])]));
            acknowledged[key] = Stopwatch.GetTimestamp();
            await Task.Delay(5);
        }

        await Task.Delay(1_000);
        await stop.CancelAsync();
        await subscriber.ContinueWith(_ => { }, TaskScheduler.Default);
        var lags = acknowledged
            .Select(a => received.TryGetValue(a.Key, out var at) ? (at - a.Value) * 1000.0 / Stopwatch.Frequency : double.PositiveInfinity)
            .Order().ToArray();
        return (lags[lags.Length / 2], lags[(int)(lags.Length * 0.99)]);
    }
}
