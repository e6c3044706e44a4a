using System.Diagnostics;
using System.Numerics.Tensors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Cli.Demo;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Benchmarks;

/// <summary>
/// Vector search through the client SDK: clustered 128-d rows, flushed and loaded (HNSW graphs built), searched by 8
/// concurrent clients with top-k 10, on one in-process silo with 1 and 2 shards, and on three silo processes with the
/// client in this one. Anchors of the same run: the same searches forced exact (every row scored), and raw USearch in
/// this process (the same vectors, M, efConstruction and ef); recall is measured against brute force computed here.
/// </summary>
internal static class QueryBenchmark
{
    private const int Dimension = 128;
    private const int TopK = 10;
    private const int Clients = 8;
    private const int QueryCount = 1_000;
    private const int Ef = 64;

    public static async Task RunAsync(int rows, TimeSpan duration, TextWriter output)
    {
        var generator = new ClusteredVectors(Dimension);
        var vectors = generator.Next(rows);
        var queryVectors = generator.Next(QueryCount);
        float[][] queries = [.. Enumerable.Range(0, QueryCount).Select(q => queryVectors.AsSpan(q * Dimension, Dimension).ToArray())];
        var truth = Exact(vectors, queries);

        var anchor = await UsearchAnchor.RunAsync(vectors, Dimension, queries, truth, TopK, Ef, Clients, duration);
        await output.WriteLineAsync($"anchor.usearch.build_s={Measurement.Format(anchor.BuildSeconds)} (the same vectors, M=16, efConstruction=128, {Environment.ProcessorCount} threads)");
        await output.WriteLineAsync($"anchor.usearch.recall={Measurement.Format(anchor.Recall)}");
        await output.WriteLineAsync($"anchor.usearch.qps={Measurement.Format(anchor.PerSecond)} (ef={Ef}, {Clients} threads)");

        await using (var cluster = await InProcessMilvusCluster.StartAsync(1))
        {
            var client = cluster.Client;
            var one = await LoadAsync(client, "bench", shards: 1, vectors, queries, truth);
            await output.WriteLineAsync($"index.rows={rows}");
            await output.WriteLineAsync($"index.build_s={Measurement.Format(one.BuildSeconds)} (load: the segment read from history, its graph built, M=16, efConstruction=128)");
            await output.WriteLineAsync($"search.recall={Measurement.Format(one.Recall)} (recall@{TopK} of {QueryCount} queries against brute force)");
            var search = await SearchLoopAsync(client, "bench", queries, new SearchParameters(), duration);
            await output.WriteLineAsync($"search.qps={Measurement.Format(search.PerSecond)}");
            await output.WriteLineAsync($"search.p50_ms={Measurement.Format(search.P50Ms)}");
            await output.WriteLineAsync($"search.p99_ms={Measurement.Format(search.P99Ms)}");
            var exact = await SearchLoopAsync(client, "bench", queries, new SearchParameters(Exact: true), duration);
            await output.WriteLineAsync($"exact.qps={Measurement.Format(exact.PerSecond)} (same path, every row scored)");
            await output.WriteLineAsync($"exact.p99_ms={Measurement.Format(exact.P99Ms)}");
            await output.WriteLineAsync($"ratio.search_over_exact={Measurement.Format(search.PerSecond / exact.PerSecond)}");
            await output.WriteLineAsync($"ratio.search_over_usearch={Measurement.Format(search.PerSecond / anchor.PerSecond)}");
            await output.WriteLineAsync($"ratio.build_over_usearch={Measurement.Format(one.BuildSeconds / anchor.BuildSeconds)}");
            await client.ReleaseCollectionAsync("bench");

            var two = await LoadAsync(client, "bench2", shards: 2, vectors, queries, truth);
            await output.WriteLineAsync($"search.2shards.recall={Measurement.Format(two.Recall)}");
            var twoShards = await SearchLoopAsync(client, "bench2", queries, new SearchParameters(), duration);
            await output.WriteLineAsync($"search.2shards.qps={Measurement.Format(twoShards.PerSecond)}");
            await output.WriteLineAsync($"search.2shards.p99_ms={Measurement.Format(twoShards.P99Ms)}");
            await output.WriteLineAsync($"ratio.2shards.search_over_usearch={Measurement.Format(twoShards.PerSecond / anchor.PerSecond)}");
        }

        var processes = await OnSiloProcessesAsync(vectors, queries, truth, duration);
        await output.WriteLineAsync($"search.processes.recall={Measurement.Format(processes.Recall)} (three silo processes, 1 shard, the client in this process)");
        await output.WriteLineAsync($"search.processes.qps={Measurement.Format(processes.Search.PerSecond)}");
        await output.WriteLineAsync($"search.processes.p99_ms={Measurement.Format(processes.Search.P99Ms)}");
        await output.WriteLineAsync($"ratio.processes.search_over_usearch={Measurement.Format(processes.Search.PerSecond / anchor.PerSecond)}");
    }

    /// <summary>The same collection on three silo processes, as deployed, searched from this process.</summary>
    private static async Task<(double Recall, Measurement.Result Search)> OnSiloProcessesAsync(float[] vectors, float[][] queries, long[][] truth, TimeSpan duration)
    {
        using var garnet = new EmbeddedGarnet();
        await using var azurite = await AzuriteServer.StartAsync();
        var wal = Directory.CreateTempSubdirectory("milvus-query-wal-");
        var clusterId = $"query-{Guid.NewGuid():N}";
        var silos = Enumerable.Range(0, 3).Select(_ => SiloProcess.Start(SiloProcess.Environment(garnet.ConnectionString, azurite.ConnectionString, clusterId, wal.FullName))).ToList();
        try
        {
            var builder = Host.CreateApplicationBuilder();
            builder.AddMilvusClient(o => (o.RedisConnectionString, o.ClusterId) = (garnet.ConnectionString, clusterId));
            using var host = builder.Build();
            await host.StartAsync();
            var client = host.Services.GetRequiredService<MilvusClient>();
            await ProcessFailoverBenchmark.WaitForBalancedAsync(client, silos, TimeSpan.FromSeconds(120));
            var loaded = await LoadAsync(client, "bench", shards: 1, vectors, queries, truth);
            var search = await SearchLoopAsync(client, "bench", queries, new SearchParameters(), duration);
            await host.StopAsync();
            return (loaded.Recall, search);
        }
        finally
        {
            foreach (var silo in silos)
            {
                silo.Dispose();
            }

            wal.Delete(recursive: true);
        }
    }

    /// <summary>Creates, fills, flushes and loads a collection; how long the load took (graphs built) and the recall of its searches.</summary>
    private static async Task<(double BuildSeconds, double Recall)> LoadAsync(MilvusClient client, string collection, int shards, float[] vectors, float[][] queries, long[][] truth)
    {
        await client.CreateCollectionAsync(new CollectionSchema(collection, [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], ShardCount: shards));
        var rows = vectors.Length / Dimension;
        for (var start = 0; start < rows; start += 1_000)
        {
            var keys = Enumerable.Range(start, 1_000).Select(i => (long)i).ToArray();
            await client.InsertAsync(collection, new RowBatch([FieldColumn.Int64("id", keys), FieldColumn.FloatVector("vec", Dimension, vectors[(start * Dimension)..((start + 1_000) * Dimension)])]));
        }

        await client.FlushAsync(collection);
        var clock = Stopwatch.StartNew();
        await client.LoadCollectionAsync(collection);
        var buildSeconds = clock.Elapsed.TotalSeconds;

        var found = new long[QueryCount][];
        for (var q = 0; q < QueryCount; q += 100)
        {
            var hits = await client.SearchAsync(collection, queries[q..(q + 100)], TopK);
            for (var i = 0; i < hits.Count; i++)
            {
                found[q + i] = (long[])hits[i].Rows.Column("id")!.Values;
            }
        }

        return (buildSeconds, found.Zip(truth).Average(p => p.First.Intersect(p.Second).Count() / (double)TopK));
    }

    /// <summary><see cref="Clients"/> loops, each searching one query vector at a time, cycling through the queries.</summary>
    private static Task<Measurement.Result> SearchLoopAsync(MilvusClient client, string collection, float[][] queries, SearchParameters parameters, TimeSpan duration)
    {
        var next = 0;
        return Measurement.RunAsync(Clients, duration, () =>
            client.SearchAsync(collection, [queries[Interlocked.Increment(ref next) % queries.Length]], TopK, parameters));
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
