using System.CommandLine;
using System.Diagnostics;
using System.Numerics.Tensors;
using Milvus.Orleans.Cli.Demo;
using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Cli.Commands;

/// <summary>
/// <c>demo</c>: what the AppHost's demo resource runs. Creates collection <c>demo</c> (again, if an earlier demo made
/// it; one made otherwise is left alone), ingests clustered 128-d vectors from a fixed seed with progress, flushes,
/// loads, searches, and prints recall@10 against brute force and the timings. It ingests as a bulk loader should, with
/// several batches in flight, and searches one at a time (the latency a caller sees) and then from several searchers
/// at once (what the service answers per second).
/// </summary>
internal static class DemoCommand
{
    private const int Dimension = 128;
    private const int TopK = 10;
    private const int BatchRows = 1_000;

    /// <summary>Insert batches in flight while ingesting.</summary>
    private const int IngestLanes = 4;

    /// <summary>Concurrent searchers of the throughput phase, each searching every query vector this many rounds.</summary>
    private const int Searchers = 8;
    private const int SearchRounds = 2;

    /// <summary>The description the demo gives its collection: the mark that lets a later demo drop it.</summary>
    private const string Mark = "Made by milvus-orleans demo; the next demo drops and makes it again.";

    public static Command Create()
    {
        var rows = new Option<int>("--rows") { Description = "Vectors to ingest (1..10000000).", DefaultValueFactory = _ => 100_000 }.InRange(1, 10_000_000);
        var queries = new Option<int>("--queries") { Description = "Query vectors searched (1..10000).", DefaultValueFactory = _ => 200 }.InRange(1, 10_000);
        var collection = new Option<string>("--collection") { Description = "The collection the demo makes (default: demo).", DefaultValueFactory = _ => "demo" };
        var command = new Command("demo", "Create a collection, ingest clustered vectors, flush, search, and print recall@10 and timings.") { rows, queries, collection };
        command.SetAction((parse, ct) => ClusterConnection.RunAsync(
            parse, (client, token) => RunAsync(client, parse.GetValue(collection)!, parse.GetValue(rows), parse.GetValue(queries), token), ct));
        return command;
    }

    private static async Task RunAsync(MilvusClient client, string collection, int rowCount, int queryCount, CancellationToken cancellationToken)
    {
        if ((await client.ListCollectionsAsync(cancellationToken)).Contains(collection))
        {
            var existing = await client.DescribeCollectionAsync(collection, cancellationToken);
            if (existing.Schema.Description != Mark)
            {
                throw new MilvusException(
                    ErrorCode.CollectionAlreadyExists,
                    $"Collection '{collection}' exists and was not made by the demo, so the demo leaves it alone; run it with --collection <another name>.");
            }

            await client.DropCollectionAsync(collection, cancellationToken);
        }

        await client.CreateCollectionAsync(new CollectionSchema(collection, [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], ShardCount: 2, Mark), cancellationToken);
        var generator = new ClusteredVectors(Dimension);
        var vectors = generator.Next(rowCount);
        var queryVectors = generator.Next(queryCount);
        float[][] queries = [.. Enumerable.Range(0, queryCount).Select(q => queryVectors.AsSpan(q * Dimension, Dimension).ToArray())];
        Console.WriteLine($"demo: {rowCount:N0} clustered {Dimension}-d vectors into collection '{collection}' (2 shards, L2)");

        var clock = Stopwatch.StartNew();
        await ProgressReport.RunAsync("ingest", rowCount, report => Parallel.ForEachAsync(
            Enumerable.Range(0, (rowCount + BatchRows - 1) / BatchRows),
            new ParallelOptions { MaxDegreeOfParallelism = IngestLanes, CancellationToken = cancellationToken },
            async (batch, token) =>
            {
                var start = batch * BatchRows;
                var count = Math.Min(BatchRows, rowCount - start);
                var keys = Enumerable.Range(start, count).Select(i => (long)i).ToArray();
                await client.InsertAsync(collection, new RowBatch([FieldColumn.Int64("id", keys), FieldColumn.FloatVector("vec", Dimension, vectors[(start * Dimension)..((start + count) * Dimension)])]), cancellationToken: token);
                report(count);
            }));
        var ingest = clock.Elapsed;
        clock.Restart();
        await client.FlushAsync(collection, cancellationToken);
        var flush = clock.Elapsed;
        clock.Restart();
        await client.LoadCollectionAsync(collection, cancellationToken);
        var load = clock.Elapsed;

        // Searches from fresh silos run their first-tier code; a service that has answered for a minute runs its
        // optimized tier. One untimed round from every searcher gets there, so the figures below are the service's.
        clock.Restart();
        await SearchFromAllAsync(client, collection, queries, rounds: 1, cancellationToken);
        var warmUp = clock.Elapsed;
        clock.Restart();
        var hits = new List<long[]>();
        foreach (var query in queries)
        {
            var found = await client.SearchAsync(collection, [query], TopK, cancellationToken: cancellationToken);
            hits.Add((long[])found[0].Rows.Column("id")!.Values);
        }

        var search = clock.Elapsed;
        clock.Restart();
        await SearchFromAllAsync(client, collection, queries, SearchRounds, cancellationToken);
        var concurrent = clock.Elapsed;
        var searched = Searchers * queryCount * SearchRounds;
        var recall = hits.Zip(queries).Average(p => p.First.Intersect(Exact(vectors, p.Second)).Count() / (double)TopK);
        Console.WriteLine($"demo: ingest {ingest.TotalSeconds:0.0} s ({rowCount / ingest.TotalSeconds:N0} rows/s, {IngestLanes} batches of {BatchRows:N0} in flight), flush {flush.TotalMilliseconds:N0} ms, load with HNSW build {load.TotalSeconds:0.0} s");
        Console.WriteLine($"demo: warm-up, {Searchers * queryCount:N0} searches from {Searchers} searchers at once in {warmUp.TotalMilliseconds:N0} ms (untimed below)");
        Console.WriteLine($"demo: {queryCount} searches one at a time in {search.TotalMilliseconds:N0} ms ({search.TotalMilliseconds / queryCount:0.00} ms each), recall@{TopK} {recall:0.000} against brute force");
        Console.WriteLine($"demo: {searched:N0} searches from {Searchers} searchers at once in {concurrent.TotalMilliseconds:N0} ms ({searched / concurrent.TotalSeconds:N0} searches/s)");
    }

    /// <summary><see cref="Searchers"/> searchers at once, each searching every query <paramref name="rounds"/> times.</summary>
    private static Task SearchFromAllAsync(MilvusClient client, string collection, float[][] queries, int rounds, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(
            Enumerable.Range(0, Searchers),
            new ParallelOptions { MaxDegreeOfParallelism = Searchers, CancellationToken = cancellationToken },
            async (searcher, token) =>
            {
                for (var i = 0; i < queries.Length * rounds; i++)
                {
                    await client.SearchAsync(collection, [queries[(i + searcher) % queries.Length]], TopK, cancellationToken: token);
                }
            });

    private static long[] Exact(float[] vectors, float[] query)
    {
        var rows = vectors.Length / Dimension;
        var distances = new float[rows];
        for (var row = 0; row < rows; row++)
        {
            distances[row] = TensorPrimitives.Distance(vectors.AsSpan(row * Dimension, Dimension), query);
        }

        return [.. Enumerable.Range(0, rows).OrderBy(r => distances[r]).Take(TopK).Select(r => (long)r)];
    }
}
