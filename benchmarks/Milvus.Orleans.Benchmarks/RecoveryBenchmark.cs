using System.Diagnostics;
using System.Diagnostics.Metrics;
using Milvus.Orleans.Data;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Benchmarks;

/// <summary>
/// Flush, WAL replay and restart on three in-process silos (grain state in Garnet, the local WAL on disk, history on
/// Azurite), each against an anchor measured in the same run: the same bytes uploaded as one blob, and the same log
/// read straight from storage.
/// </summary>
internal static class RecoveryBenchmark
{
    private const int Dimension = 128;
    private const int BatchRows = 1_000;
    private const int Shards = 8;
    private const int Restarts = 5;

    public static async Task RunAsync(int rows, TextWriter output)
    {
        await using var cluster = await InProcessMilvusCluster.StartAsync(3);
        await cluster.WaitForBalancedAsync(3, TimeSpan.FromSeconds(60));
        var schema = new CollectionSchema("bench", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], Shards);
        await cluster.Client.CreateCollectionAsync(schema);
        var vectors = new float[BatchRows * Dimension];
        for (var i = 0; i < vectors.Length; i++)
        {
            vectors[i] = Random.Shared.NextSingle();
        }

        await InsertAsync(cluster, 0, rows, vectors);
        var clock = Stopwatch.StartNew();
        var flushed = await cluster.Client.FlushAsync("bench");
        var flushMs = clock.Elapsed.TotalMilliseconds;
        var bytes = (long)rows * ((Dimension * sizeof(float)) + sizeof(long));
        var upload = await UploadAnchorAsync(cluster, bytes);
        await output.WriteLineAsync($"flush.rows={rows}");
        await output.WriteLineAsync($"flush.segments={flushed.SegmentIds.Count}");
        await output.WriteLineAsync($"flush.ms={Measurement.Format(flushMs)}");
        await output.WriteLineAsync($"anchor.blob_upload.ms={Measurement.Format(upload)} ({bytes / 1e6:0.#} MB in one blob)");
        await output.WriteLineAsync($"ratio.flush_over_upload={Measurement.Format(flushMs / upload)}");

        // The same number of rows again, only in the log: a restart replays them before the pchannels take writes.
        await InsertAsync(cluster, rows, rows, vectors);
        var topology = await cluster.Client.GetTopologyAsync();
        var pchannels = topology.Channels.Select(c => c.PChannel).ToArray();
        var read = await ReadAnchorAsync(cluster.WalPath, pchannels);
        using var replays = new ReplayListener();
        clock.Restart();
        await cluster.RestartAsync();
        await Task.WhenAll(pchannels.Select(p => WritableAsync(cluster, p)));
        var restartMs = clock.Elapsed.TotalMilliseconds;
        // Pchannels replay in parallel, and again on each move while the silos join: the rate is per replay.
        var (replayedBytes, replayMs, count) = replays.Totals();
        var replayMbPerSecond = replayedBytes / 1e6 / (replayMs / 1000);
        await output.WriteLineAsync($"recovery.replays={count}");
        await output.WriteLineAsync($"recovery.replayed_mb={Measurement.Format(replayedBytes / 1e6)}");
        await output.WriteLineAsync($"recovery.ms={Measurement.Format(replayMs)} (sum over replays)");
        await output.WriteLineAsync($"recovery.mb_per_s={Measurement.Format(replayMbPerSecond)}");
        await output.WriteLineAsync($"anchor.wal_read.mb_per_s={Measurement.Format(read)}");
        await output.WriteLineAsync($"ratio.replay_over_read={Measurement.Format(replayMbPerSecond / read)}");
        await output.WriteLineAsync($"restart.ms={Measurement.Format(restartMs)} (stop 3 silos, start 3, every pchannel writable)");

        // More restarts, each after a few writes: none may wait on a timeout (a grain left on a stopped silo).
        var restarts = new List<double> { restartMs };
        for (var i = 1; i < Restarts; i++)
        {
            await InsertAsync(cluster, (10L * rows) + (i * 10L * BatchRows), 10 * BatchRows, vectors);
            clock.Restart();
            await cluster.RestartAsync();
            await Task.WhenAll(pchannels.Select(p => WritableAsync(cluster, p)));
            restarts.Add(clock.Elapsed.TotalMilliseconds);
        }

        await output.WriteLineAsync($"restart.all_ms={string.Join(", ", restarts.Select(Measurement.Format))}");
        await output.WriteLineAsync($"restart.max_ms={Measurement.Format(restarts.Max())} ({Restarts} restarts, target < 5000)");

        // Warm: one silo of a running cluster stops; the two left replay its pchannels' unflushed logs.
        await cluster.WaitForBalancedAsync(3, TimeSpan.FromSeconds(60));
        await InsertAsync(cluster, 2L * rows, rows, vectors);
        using var warm = new ReplayListener();
        await cluster.Cluster.StopSiloAsync(cluster.Cluster.Silos[^1]);
        await Task.WhenAll(pchannels.Select(p => WritableAsync(cluster, p)));
        var (warmBytes, warmMs, warmCount) = warm.Totals();
        var warmMbPerSecond = warmBytes / 1e6 / (warmMs / 1000);
        await output.WriteLineAsync($"recovery.warm.replays={warmCount}");
        await output.WriteLineAsync($"recovery.warm.replayed_mb={Measurement.Format(warmBytes / 1e6)}");
        await output.WriteLineAsync($"recovery.warm.mb_per_s={Measurement.Format(warmMbPerSecond)} (a silo of 3 stops; the 2 left replay its pchannels)");
        await output.WriteLineAsync($"ratio.warm_replay_over_read={Measurement.Format(warmMbPerSecond / read)}");
    }

    private static async Task InsertAsync(InProcessMilvusCluster cluster, long firstKey, int rows, float[] vectors)
    {
        var next = firstKey;
        var end = firstKey + rows;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            for (var start = Interlocked.Add(ref next, BatchRows) - BatchRows; start < end; start = Interlocked.Add(ref next, BatchRows) - BatchRows)
            {
                var keys = Enumerable.Range(0, BatchRows).Select(i => start + i).ToArray();
                await cluster.Client.InsertAsync("bench", new RowBatch([FieldColumn.Int64("id", keys), FieldColumn.FloatVector("vec", Dimension, vectors)]));
            }
        }));
    }

    private static async Task<double> UploadAnchorAsync(InProcessMilvusCluster cluster, long bytes)
    {
        var blob = cluster.History.GetBlobClient("anchor/upload.bin");
        var data = new byte[bytes];
        Random.Shared.NextBytes(data);
        var clock = Stopwatch.StartNew();
        await blob.UploadAsync(BinaryData.FromBytes(data), overwrite: true);
        return clock.Elapsed.TotalMilliseconds;
    }

    /// <summary>MB/s of reading every pchannel's whole log straight from storage, one reader per pchannel at once.</summary>
    private static async Task<double> ReadAnchorAsync(string walPath, string[] pchannels)
    {
        var storage = new LocalWalStorage(new LocalWalOptions { Path = walPath });
        long bytes = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(pchannels.Select(async pchannel =>
        {
            if (!Directory.Exists(Path.Combine(walPath, pchannel)))
            {
                return;
            }

            await foreach (var record in storage.ReadAsync(pchannel, WalPosition.Start, follow: false, CancellationToken.None))
            {
                Interlocked.Add(ref bytes, record.Next.Value - record.Id.Value);
            }
        }));
        return bytes / 1e6 / clock.Elapsed.TotalSeconds;
    }

    private static async Task WritableAsync(InProcessMilvusCluster cluster, string pchannel)
    {
        // Opening the log waits for its replay: once the state answers, the pchannel takes writes.
        await TransientRetry.RunAsync(
            () => cluster.Cluster.Client.GetGrain<IWalGrain>(pchannel).GetStateAsync(), TimeSpan.FromSeconds(60), TimeProvider.System, CancellationToken.None);
    }

    /// <summary>Sums what the silos report of their replays: bytes, milliseconds and count.</summary>
    private sealed class ReplayListener : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _bytes;
        private double _ms;
        private int _count;

        public ReplayListener()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Milvus.Orleans" && instrument.Name is "milvus.recovery.replayed.bytes" or "milvus.recovery.duration")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _bytes, value));
            _listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
            {
                lock (_listener)
                {
                    _ms += value;
                    _count++;
                }
            });
            _listener.Start();
        }

        public (long Bytes, double Ms, int Count) Totals()
        {
            lock (_listener)
            {
                return (Interlocked.Read(ref _bytes), _ms, _count);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
