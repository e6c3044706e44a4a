using System.Diagnostics;
using Milvus.Orleans.Hnsw;

namespace Milvus.Orleans.Benchmarks;

/// <summary>
/// The index's own limit: the same vectors in one USearch graph in this process, built on all cores with the
/// service's M and efConstruction, searched by <c>threads</c> threads at the service's breadth.
/// </summary>
internal static class UsearchAnchor
{
    public sealed record Result(double BuildSeconds, double Recall, double PerSecond);

    public static async Task<Result> RunAsync(
        float[] vectors, int dimension, float[][] queries, long[][] truth, int topK, int breadth, int threads, TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        using var graph = HnswGraph.Build(vectors, dimension, HnswMetric.L2Squared, connectivity: 16, expansionAdd: 128, threads: Environment.ProcessorCount, readers: threads);
        var buildSeconds = clock.Elapsed.TotalSeconds;
        var recall = queries.Select((q, i) => Nearest(graph, q, breadth).Take(topK).Intersect(truth[i]).Count() / (double)topK).Average();

        // Threads, not tasks: each search is a blocking native call, as a query node's would be.
        var searches = new long[threads];
        clock.Restart();
        var workers = Enumerable.Range(0, threads).Select(worker => Task.Factory.StartNew(
            () =>
            {
                for (var i = worker; clock.Elapsed < duration; i += threads)
                {
                    _ = Nearest(graph, queries[i % queries.Length], breadth);
                    searches[worker]++;
                }
            },
            TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(workers);
        return new Result(buildSeconds, recall, searches.Sum() / clock.Elapsed.TotalSeconds);
    }

    private static long[] Nearest(HnswGraph graph, float[] query, int breadth)
    {
        using var reader = graph.Read();
        var rows = new ulong[breadth];
        var found = reader.Nearest(query, rows);
        return [.. rows.Take(found).Select(r => (long)r)];
    }
}
