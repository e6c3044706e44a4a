using Milvus.Orleans.Testing;
using Milvus.Orleans.Wal.AzureBlob;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Benchmarks;

/// <summary>
/// The WAL against its anchors, measured in one run: the disk's fsync rate and Redis Streams with
/// <c>appendfsync always</c>.
/// </summary>
internal static class WalBenchmark
{
    private const int RecordBytes = 1024;

    public static async Task RunAsync(TimeSpan duration, TextWriter output)
    {
        var directory = Directory.CreateTempSubdirectory("milvus-bench-");
        try
        {
            var disk = await DiskFsyncAnchor.RunAsync(directory.FullName, duration);
            await output.WriteLineAsync($"disk.fsync_per_s={Measurement.Format(disk.PerSecond)}");
            await output.WriteLineAsync($"disk.fsync_p50_ms={Measurement.Format(disk.P50Ms)}");

            var c1 = await LocalAsync(directory.FullName, "c1", 1, duration);
            await Print(output, "local.c1", c1);
            var c64 = await LocalAsync(directory.FullName, "c64", 64, duration);
            await Print(output, "local.c64", c64);

            var redisDirectory = directory.CreateSubdirectory("redis");
            var redis = await RedisStreamAnchor.RunAsync(redisDirectory.FullName, 64, RecordBytes, duration);
            await output.WriteLineAsync(redis is null
                ? "redis_stream.c64.appends_per_s=skipped (redis-server not on PATH: apt-get install redis-server)"
                : $"redis_stream.c64.appends_per_s={Measurement.Format(redis.PerSecond)}");

            // The targets, as ratios against the anchors of this run.
            await output.WriteLineAsync($"ratio.local.c1.p50_over_fsync_p50={Measurement.Format(c1.P50Ms / disk.P50Ms)} (target <= 1.5)");
            if (redis is not null)
            {
                await output.WriteLineAsync($"ratio.local.c64_over_redis_stream.c64={Measurement.Format(c64.PerSecond / redis.PerSecond)} (target >= 2)");
            }

            await using var azurite = await AzuriteServer.StartAsync();
            var blob = await AppendsAsync(new AzureBlobWalStorage(azurite.Service.GetBlobContainerClient("bench")), 64, duration);
            await Print(output, "blob.c64", blob);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static Task<Measurement.Result> LocalAsync(string directory, string log, int concurrency, TimeSpan duration) =>
        AppendsAsync(new LocalWalStorage(new LocalWalOptions { Path = Path.Combine(directory, "wal-" + log) }), concurrency, duration);

    private static async Task<Measurement.Result> AppendsAsync(IWalStorage storage, int concurrency, TimeSpan duration)
    {
        await using var writer = await storage.OpenWriterAsync("bench", 1, CancellationToken.None);
        var payload = new byte[RecordBytes];
        Random.Shared.NextBytes(payload);
        WalEntry[] entry = [new WalEntry(1, payload)];
        return await Measurement.RunAsync(concurrency, duration, () => writer.AppendAsync(entry, CancellationToken.None).AsTask());
    }

    private static async Task Print(TextWriter output, string prefix, Measurement.Result result)
    {
        await output.WriteLineAsync($"{prefix}.appends_per_s={Measurement.Format(result.PerSecond)}");
        await output.WriteLineAsync($"{prefix}.p50_ms={Measurement.Format(result.P50Ms)}");
        await output.WriteLineAsync($"{prefix}.p99_ms={Measurement.Format(result.P99Ms)}");
    }
}
