using System.Diagnostics;
using System.Globalization;

namespace Milvus.Orleans.Benchmarks;

/// <summary>Runs <c>concurrency</c> loops of one operation for a fixed time and reports rate and latency percentiles.</summary>
internal static class Measurement
{
    public static async Task<Result> RunAsync(int concurrency, TimeSpan duration, Func<Task> operation)
    {
        // Warm-up: JIT, file growth, connection set-up.
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => operation()));

        var latencies = new List<long>[concurrency];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            var mine = latencies[worker] = new List<long>(100_000);
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                await operation();
                mine.Add(Stopwatch.GetTimestamp() - started);
            }
        }));
        var elapsed = clock.Elapsed;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new Result(all.Length / elapsed.TotalSeconds, Milliseconds(all, 0.50), Milliseconds(all, 0.99));
    }

    private static double Milliseconds(long[] sorted, double quantile) =>
        sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * quantile))] * 1000.0 / Stopwatch.Frequency;

    public sealed record Result(double PerSecond, double P50Ms, double P99Ms);

    public static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
