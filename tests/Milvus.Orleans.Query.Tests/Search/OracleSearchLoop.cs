using Milvus.Orleans.Testing;
using System.Diagnostics;
using System.Collections.Concurrent;
using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Query.Tests.Search;

/// <summary>
/// Searches a collection of random L2 vectors in a loop, one query at a time (top 5, the SDK's default options), until
/// stopped, and records every answer that differs from the exact oracle over the rows written.
/// </summary>
internal sealed class OracleSearchLoop
{
    private const int TopK = 5;
    private readonly ConcurrentBag<string> _mismatches = [];
    private readonly Task _loop;
    private int _searches;
    private TimeSpan _longest;
    private DateTimeOffset _longestStarted;
    private bool _stopped;

    private OracleSearchLoop(MilvusClient client, RecentLog log, string collection, float[][] queries, long[][] expected)
    {
        Queries = queries;
        Expected = expected;
        _loop = Task.Run(
            async () =>
            {
                for (var i = 0; !Volatile.Read(ref _stopped); i++)
                {
                    var q = i % queries.Length;
                    var startedAt = TimeProvider.System.GetUtcNow();
                    var started = Stopwatch.GetTimestamp();
                    IReadOnlyList<SearchHits> hits;
                    try
                    {
                        hits = await client.SearchAsync(collection, [queries[q]], TopK, cancellationToken: CancellationToken.None);
                    }
                    catch (MilvusException ex)
                    {
                        var failedAfter = Stopwatch.GetElapsedTime(started);
                        throw new InvalidOperationException(
                            $"Search {i} failed after {failedAfter.TotalMilliseconds:F0} ms: {ex.Message}\nThe silos' log meanwhile:\n{string.Join('\n', log.Between(startedAt, startedAt + failedAfter, limit: 80))}",
                            ex);
                    }

                    var took = Stopwatch.GetElapsedTime(started);
                    if (took > _longest)
                    {
                        (_longest, _longestStarted) = (took, startedAt);
                    }

                    var keys = (long[])hits[0].Rows.Column("id")!.Values;
                    if (!keys.SequenceEqual(expected[q]))
                    {
                        _mismatches.Add($"query {q}: [{string.Join(", ", keys)}], expected [{string.Join(", ", expected[q])}]");
                    }

                    Interlocked.Increment(ref _searches);
                }
            },
            CancellationToken.None);
    }

    /// <summary>The loop's queries.</summary>
    public float[][] Queries { get; }

    /// <summary>The oracle's top keys of each query.</summary>
    public long[][] Expected { get; }

    /// <summary>Searches answered so far.</summary>
    public int Searches => Volatile.Read(ref _searches);

    /// <summary>The longest a search took (read after <see cref="StopAsync"/>).</summary>
    public TimeSpan Longest => _longest;

    /// <summary>When the longest search started (read after <see cref="StopAsync"/>).</summary>
    public DateTimeOffset LongestStarted => _longestStarted;

    /// <summary>The answers that differed from the oracle.</summary>
    public IReadOnlyCollection<string> Mismatches => _mismatches;

    /// <summary>
    /// Creates a one-vector-field collection of <paramref name="shards"/> shards and writes <paramref name="parts"/>
    /// parts of 400 rows, each flushed (sealed segments that the delegators spread over the query nodes).
    /// </summary>
    public static async Task<Dictionary<long, float[]>> WriteFlushedPartsAsync(
        MilvusClient client, string collection, int dimension, int shards, int parts, Random random, CancellationToken ct)
    {
        await client.CreateCollectionAsync(
            new CollectionSchema(collection, [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", dimension)], ShardCount: shards), ct);
        var live = new Dictionary<long, float[]>();
        for (var part = 0; part < parts; part++)
        {
            var keys = Enumerable.Range(part * 400, 400).Select(i => (long)i).ToArray();
            var vectors = keys.Select(_ => Enumerable.Range(0, dimension).Select(_ => random.NextSingle()).ToArray()).ToArray();
            await client.InsertAsync(collection, new RowBatch([FieldColumn.Int64("id", keys), FieldColumn.FloatVector("vec", dimension, [.. vectors.SelectMany(v => v)])]), cancellationToken: ct);
            await client.FlushAsync(collection, ct);
            for (var i = 0; i < keys.Length; i++)
            {
                live[keys[i]] = vectors[i];
            }
        }

        return live;
    }

    /// <summary>Starts searching 20 random queries over <paramref name="live"/> in turn, with the cluster's SDK client.</summary>
    public static OracleSearchLoop Start(InProcessMilvusCluster cluster, string collection, IReadOnlyDictionary<long, float[]> live, int dimension, Random random)
    {
        var queries = Enumerable.Range(0, 20).Select(_ => Enumerable.Range(0, dimension).Select(_ => random.NextSingle()).ToArray()).ToArray();
        var expected = queries.Select(q => SearchOracle.Nearest(live, q, MetricType.L2, TopK).Select(e => e.Key).ToArray()).ToArray();
        return new OracleSearchLoop(cluster.Client, cluster.Log, collection, queries, expected);
    }

    /// <summary>Stops the loop; a search that failed fails this.</summary>
    public async Task StopAsync()
    {
        Volatile.Write(ref _stopped, true);
        await _loop;
    }

    /// <summary>Searches every query at once at Strong consistency: the top keys of each.</summary>
    public async Task<long[][]> SearchAllAsync(MilvusClient client, string collection, CancellationToken ct) =>
        [.. (await client.SearchAsync(collection, Queries, TopK, new SearchParameters(Consistency: Query.ConsistencyLevel.Strong), ct)).Select(h => (long[])h.Rows.Column("id")!.Values)];
}
