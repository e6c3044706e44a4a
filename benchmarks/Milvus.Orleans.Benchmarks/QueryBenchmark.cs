using System.Diagnostics;
using System.Numerics.Tensors;
using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Cli.Demo;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Benchmarks;

/// <summary>
/// Vector search through the client SDK on in-process silos: clustered 128-d rows, flushed and loaded (HNSW graphs
/// built), searched by 8 concurrent clients with top-k 10; the anchor is the same searches forced exact (every row
/// scored) in the same run, and recall is measured against brute force computed here.
/// </summary>
internal static class QueryBenchmark
{
    private const int Dimension = 128;
    private const int TopK = 10;
    private const int Clients = 8;
    private const int QueryCount = 1_000;

    public static async Task RunAsync(int rows, TimeSpan duration, TextWriter output)
    {
        await using var cluster = await InProcessMilvusCluster.StartAsync(1);
        var client = cluster.Client;
        await client.CreateCollectionAsync(new CollectionSchema("bench", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], ShardCount: 1));
        var generator = new ClusteredVectors(Dimension);
        var vectors = generator.Next(rows);
        var queryVectors = generator.Next(QueryCount);
        float[][] queries = [.. Enumerable.Range(0, QueryCount).Select(q => queryVectors.AsSpan(q * Dimension, Dimension).ToArray())];
        for (var start = 0; start < rows; start += 1_000)
        {
            var keys = Enumerable.Range(start, 1_000).Select(i => (long)i).ToArray();
            await client.InsertAsync("bench", new RowBatch([FieldColumn.Int64("id", keys), FieldColumn.FloatVector("vec", Dimension, vectors[(start * Dimension)..((start + 1_000) * Dimension)])]));
        }

        await client.FlushAsync("bench");
        var clock = Stopwatch.StartNew();
        await client.LoadCollectionAsync("bench");
        await output.WriteLineAsync($"index.rows={rows}");
        var buildSeconds = clock.Elapsed.TotalSeconds;
        await output.WriteLineAsync($"index.build_s={Measurement.Format(buildSeconds)} (load: the segment read from history, its graph built, M=16, efConstruction=128)");

        var truth = Exact(vectors, queries);
        var found = new long[QueryCount][];
        for (var q = 0; q < QueryCount; q += 100)
        {
            var hits = await client.SearchAsync("bench", queries[q..(q + 100)], TopK);
            for (var i = 0; i < hits.Count; i++)
            {
                found[q + i] = (long[])hits[i].Rows.Column("id")!.Values;
            }
        }

        var recall = found.Zip(truth).Average(p => p.First.Intersect(p.Second).Count() / (double)TopK);
        await output.WriteLineAsync($"search.recall={Measurement.Format(recall)} (recall@{TopK} of {QueryCount} queries against brute force)");

        var search = await SearchLoopAsync(client, queries, new SearchParameters(), duration);
        await output.WriteLineAsync($"search.qps={Measurement.Format(search.PerSecond)}");
        await output.WriteLineAsync($"search.p50_ms={Measurement.Format(search.P50Ms)}");
        await output.WriteLineAsync($"search.p99_ms={Measurement.Format(search.P99Ms)}");
        var exact = await SearchLoopAsync(client, queries, new SearchParameters(Exact: true), duration);
        await output.WriteLineAsync($"exact.qps={Measurement.Format(exact.PerSecond)} (same path, every row scored)");
        await output.WriteLineAsync($"exact.p99_ms={Measurement.Format(exact.P99Ms)}");
        await output.WriteLineAsync($"ratio.search_over_exact={Measurement.Format(search.PerSecond / exact.PerSecond)}");

        var anchor = await UsearchAnchor.RunAsync(vectors, Dimension, queries, truth, TopK, breadth: 64, Clients, duration);
        await output.WriteLineAsync($"anchor.usearch.build_s={Measurement.Format(anchor.BuildSeconds)} (the same vectors, M=16, efConstruction=128, {Environment.ProcessorCount} threads)");
        await output.WriteLineAsync($"anchor.usearch.recall={Measurement.Format(anchor.Recall)}");
        await output.WriteLineAsync($"anchor.usearch.qps={Measurement.Format(anchor.PerSecond)} (ef=64, {Clients} threads)");
        await output.WriteLineAsync($"ratio.search_over_usearch={Measurement.Format(search.PerSecond / anchor.PerSecond)}");
        await output.WriteLineAsync($"ratio.build_over_usearch={Measurement.Format(buildSeconds / anchor.BuildSeconds)}");
    }

    /// <summary><see cref="Clients"/> loops, each searching one query vector at a time, cycling through the queries.</summary>
    private static Task<Measurement.Result> SearchLoopAsync(MilvusClient client, float[][] queries, SearchParameters parameters, TimeSpan duration)
    {
        var next = 0;
        return Measurement.RunAsync(Clients, duration, () =>
            client.SearchAsync("bench", [queries[Interlocked.Increment(ref next) % queries.Length]], TopK, parameters));
    }

    /// <summary>The exact top-k keys of each query (L2), by brute force over every row.</summary>
    private static long[][] Exact(float[] vectors, float[][] queries)
    {
        var rows = vectors.Length / Dimension;
        var truth = new long[queries.Length][];
        Parallel.For(0, queries.Length, q =>
        {
            var distances = new float[rows];
            for (var row = 0; row < rows; row++)
            {
                distances[row] = TensorPrimitives.Distance(vectors.AsSpan(row * Dimension, Dimension), queries[q]);
            }

            truth[q] = [.. Enumerable.Range(0, rows).OrderBy(r => distances[r]).Take(TopK).Select(r => (long)r)];
        });
        return truth;
    }
}
