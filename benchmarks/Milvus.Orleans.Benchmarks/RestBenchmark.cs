using System.Diagnostics;
using System.Globalization;
using System.Text;
using Milvus.Orleans.Cli.Demo;
using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Benchmarks;

/// <summary>
/// The REST API against the client SDK it is built on, in one run over one in-process silo: the same 128-d rows
/// inserted in batches of 1,000 (four batches in flight) into a collection of each, flushed and loaded, then searched
/// by 8 concurrent searchers (top-k 10), two rounds of each in turn (the second round's figures). The REST side is a
/// gateway on Kestrel in this process, called over loopback HTTP with request bodies encoded before the clock starts
/// (a client's own JSON encoding is not the server's cost).
/// </summary>
internal static class RestBenchmark
{
    private const int Dimension = 128;
    private const int Batch = 1_000;
    private const int InFlight = 4;
    private const int Searchers = 8;
    private const int TopK = 10;
    private const int QueryCount = 1_000;

    public static async Task RunAsync(int rows, TimeSpan duration, TextWriter output)
    {
        var generator = new ClusteredVectors(Dimension);
        var vectors = generator.Next(rows);
        var queryVectors = generator.Next(QueryCount);
        await using var cluster = await InProcessMilvusCluster.StartAsync(1);
        await using var gateway = await LoopbackGateway.StartAsync(cluster.Client);
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };

        var client = cluster.Client;
        await client.CreateCollectionAsync(new CollectionSchema("sdk", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vector", Dimension, MetricType.L2)]));
        var sdkInsert = await TimeAsync(rows / Batch, batch => client.InsertAsync("sdk", new RowBatch(
            [FieldColumn.Int64("id", [.. Enumerable.Range(batch * Batch, Batch).Select(i => (long)i)]),
             FieldColumn.FloatVector("vector", Dimension, vectors[(batch * Batch * Dimension)..((batch + 1) * Batch * Dimension)])])));
        await PostAsync(http, "collections/create", Encoding.UTF8.GetBytes($$$"""{"collectionName":"rest","dimension":{{{Dimension}}},"metricType":"L2","params":{"enableDynamicField":false}}"""));
        var insertBodies = Enumerable.Range(0, rows / Batch).Select(batch => Encoding.UTF8.GetBytes(InsertBody(vectors, batch))).ToArray();
        var restInsert = await TimeAsync(rows / Batch, batch => PostAsync(http, "entities/insert", insertBodies[batch]));
        await output.WriteLineAsync($"sdk.insert.rows_per_s={Measurement.Format(rows / sdkInsert.TotalSeconds)} ({rows} rows of {Dimension} floats, batches of {Batch}, {InFlight} in flight)");
        await output.WriteLineAsync($"rest.insert.rows_per_s={Measurement.Format(rows / restInsert.TotalSeconds)}");
        await output.WriteLineAsync($"ratio.rest_over_sdk.insert={Measurement.Format(sdkInsert.TotalSeconds / restInsert.TotalSeconds)}");
        var parse = ParseNumbers(insertBodies);
        await output.WriteLineAsync($"anchor.json_numbers.rows_per_s={Measurement.Format(rows / parse.TotalSeconds)} (the same bodies' numbers read as floats by Utf8JsonReader, one thread, nothing else)");

        foreach (var collection in (string[])["sdk", "rest"])
        {
            await client.FlushAsync(collection);
            await client.LoadCollectionAsync(collection);
        }

        float[][] queries = [.. Enumerable.Range(0, QueryCount).Select(q => queryVectors.AsSpan(q * Dimension, Dimension).ToArray())];
        var searchBodies = queries.Select(q => Encoding.UTF8.GetBytes(
            $$"""{"collectionName":"rest","data":[[{{string.Join(',', q.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}}]],"limit":{{TopK}}}""")).ToArray();
        var next = 0;
        Task SdkSearchAsync() => client.SearchAsync("sdk", [queries[Interlocked.Increment(ref next) % QueryCount]], TopK);
        Task RestSearchAsync() => PostAsync(http, "entities/search", searchBodies[Interlocked.Increment(ref next) % QueryCount]);

        // Two rounds, each path after the other: the figures are the second round's, when neither runs cold.
        var (sdkSearch, restSearch) = (await Measurement.RunAsync(Searchers, duration, SdkSearchAsync), await Measurement.RunAsync(Searchers, duration, RestSearchAsync));
        (sdkSearch, restSearch) = (await Measurement.RunAsync(Searchers, duration, SdkSearchAsync), await Measurement.RunAsync(Searchers, duration, RestSearchAsync));
        await output.WriteLineAsync($"sdk.search.qps={Measurement.Format(sdkSearch.PerSecond)} ({Searchers} searchers, top-{TopK}, Bounded)");
        await output.WriteLineAsync($"sdk.search.p99_ms={Measurement.Format(sdkSearch.P99Ms)}");
        await output.WriteLineAsync($"rest.search.qps={Measurement.Format(restSearch.PerSecond)}");
        await output.WriteLineAsync($"rest.search.p99_ms={Measurement.Format(restSearch.P99Ms)}");
        await output.WriteLineAsync($"ratio.rest_over_sdk.search={Measurement.Format(restSearch.PerSecond / sdkSearch.PerSecond)}");
    }

    /// <summary>How long reading every number of <paramref name="bodies"/> as a float takes on one thread: what JSON costs before any other work.</summary>
    private static TimeSpan ParseNumbers(byte[][] bodies)
    {
        var sum = 0f;
        var clock = Stopwatch.StartNew();
        foreach (var body in bodies)
        {
            var reader = new System.Text.Json.Utf8JsonReader(body);
            while (reader.Read())
            {
                if (reader.TokenType == System.Text.Json.JsonTokenType.Number && reader.TryGetSingle(out var value))
                {
                    sum += value;
                }
            }
        }

        var elapsed = clock.Elapsed;
        GC.KeepAlive(sum);
        return elapsed;
    }

    /// <summary>How long <paramref name="batches"/> calls took with <see cref="InFlight"/> at a time.</summary>
    private static async Task<TimeSpan> TimeAsync(int batches, Func<int, Task> call)
    {
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, InFlight).Select(async _ =>
        {
            for (var batch = Interlocked.Increment(ref next); batch < batches; batch = Interlocked.Increment(ref next))
            {
                await call(batch);
            }
        }));
        return clock.Elapsed;
    }

    private static string InsertBody(float[] vectors, int batch)
    {
        var body = new StringBuilder("""{"collectionName":"rest","data":[""");
        for (var row = batch * Batch; row < (batch + 1) * Batch; row++)
        {
            body.Append(row == batch * Batch ? "" : ",").Append(CultureInfo.InvariantCulture, $$"""{"id":{{row}},"vector":[""");
            body.AppendJoin(',', vectors.AsSpan(row * Dimension, Dimension).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            body.Append("]}");
        }

        return body.Append("]}").ToString();
    }

    /// <summary>Sends a request and fails unless the reply's code is 0.</summary>
    private static async Task PostAsync(HttpClient http, string endpoint, byte[] json)
    {
        using var content = new ByteArrayContent(json);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(endpoint, content);
        var reply = await response.Content.ReadAsStringAsync();
        if (!reply.StartsWith("""{"code":0""", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{endpoint}: {reply[..Math.Min(reply.Length, 300)]}");
        }
    }
}
