using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Milvus.Orleans.Channels;
using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Benchmarks;

/// <summary>
/// The memory bound: one in-process silo with <c>Milvus:Wal:BufferSizeMb=64</c> takes 2 GB of inserts from more
/// writers than its append share holds, while the buffers it accounts for (write-ahead buffers, appends waiting for
/// their log, growing segments and sealed ones not yet written) are sampled every 100 ms.
/// </summary>
internal static class MemoryBenchmark
{
    private const int BufferSizeMb = 64;
    private const int Dimension = 128;
    private const int BatchRows = 1_000;
    private const int Shards = 8;
    private const int Writers = 32;

    public static async Task RunAsync(long bytes, TextWriter output)
    {
        await using var cluster = await InProcessMilvusCluster.StartAsync(1, new Dictionary<string, string?> { ["Milvus:Wal:BufferSizeMb"] = BufferSizeMb.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await cluster.Client.CreateCollectionAsync(new CollectionSchema("memory", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], Shards));
        var storage = (BufferedWalStorage)cluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<IWalStorage>();
        using var budget = new BudgetListener();
        var vectors = new float[BatchRows * Dimension];
        for (var i = 0; i < vectors.Length; i++)
        {
            vectors[i] = Random.Shared.NextSingle();
        }

        var batchBytes = new RowBatch([FieldColumn.Int64("id", new long[BatchRows]), FieldColumn.FloatVector("vec", Dimension, vectors)]).EstimatedBytes;
        var batches = bytes / batchBytes;
        long next = 0;
        long failed = 0;
        long maxHeld = 0;
        long maxWriteAhead = 0;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var writeAhead = Enumerable.Range(0, 16).Sum(i => storage.Buffer(ChannelNames.PChannel(i))?.Bytes ?? 0);
                var held = writeAhead + budget.Sample();
                (maxHeld, maxWriteAhead) = (Math.Max(maxHeld, held), Math.Max(maxWriteAhead, writeAhead));
                await Task.Delay(100, CancellationToken.None);
            }
        });
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => Task.Run(async () =>
        {
            for (var batch = Interlocked.Increment(ref next) - 1; batch < batches; batch = Interlocked.Increment(ref next) - 1)
            {
                var keys = Enumerable.Range(0, BatchRows).Select(i => (batch * BatchRows) + i).ToArray();
                try
                {
                    await cluster.Client.InsertAsync("memory", new RowBatch([FieldColumn.Int64("id", keys), FieldColumn.FloatVector("vec", Dimension, vectors)]));
                }
                catch (MilvusException ex) when (ex.Code == ErrorCode.Backpressure)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })));
        var elapsed = clock.Elapsed;
        await stop.CancelAsync();
        await sampler;
        await output.WriteLineAsync($"memory.ingested_mb={Measurement.Format(batches * batchBytes / 1e6)}");
        await output.WriteLineAsync($"memory.mb_per_s={Measurement.Format(batches * batchBytes / 1e6 / elapsed.TotalSeconds)}");
        await output.WriteLineAsync($"memory.limit_mb={BufferSizeMb}");
        await output.WriteLineAsync($"memory.max_buffers_mb={Measurement.Format(maxHeld / 1024.0 / 1024)} (write-ahead buffers + appends waiting + growing segments, sampled every 100 ms)");
        await output.WriteLineAsync($"memory.max_write_ahead_mb={Measurement.Format(maxWriteAhead / 1024.0 / 1024)}");
        await output.WriteLineAsync($"memory.backpressure_waits={budget.Waits}");
        await output.WriteLineAsync($"memory.backpressure_errors={failed} (inserts refused after the client's retry deadline)");
        await output.WriteLineAsync($"memory.process_peak_mb={Measurement.Format(Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024)} (whole process: silo, client, Garnet)");
    }

    /// <summary>The silo's <c>milvus.buffer.bytes</c> gauge, read on demand, and its backpressure count.</summary>
    private sealed class BudgetListener : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _last;
        private long _waits;

        public BudgetListener()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Milvus.Orleans" && instrument.Name is "milvus.buffer.bytes" or "milvus.buffer.backpressure")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            {
                if (instrument.Name == "milvus.buffer.bytes")
                {
                    Volatile.Write(ref _last, value);
                }
                else
                {
                    Interlocked.Add(ref _waits, value);
                }
            });
            _listener.Start();
        }

        public long Waits => Interlocked.Read(ref _waits);

        public long Sample()
        {
            _listener.RecordObservableInstruments();
            return Volatile.Read(ref _last);
        }

        public void Dispose() => _listener.Dispose();
    }
}
