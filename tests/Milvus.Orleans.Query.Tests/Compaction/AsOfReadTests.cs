using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Query.Tests.Compaction;

/// <summary>
/// Reads as of past timestamps against an oracle of the collection at each write: inserts, deletes and upserts at
/// known timestamps, in growing data and in sealed segments, before and after compaction merged the segments.
/// </summary>
[Collection(ExactReadsGroup.Name)]
public sealed class AsOfReadTests(ExactReadsCluster fixture)
{
    private const int Dimension = 4;
    private readonly InProcessMilvusCluster _cluster = fixture.Cluster;

    [Fact]
    public async Task ReadsAsOfEachWrite_BeforeAndAfterCompaction_MatchTheOracleAtThatTimestamp()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        await client.CreateCollectionAsync(new CollectionSchema("timeline", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], ShardCount: 1), ct);
        var rows = new Dictionary<long, float[]>();

        var inserted = await client.InsertAsync("timeline", Rows(0, 10, generation: 0), cancellationToken: ct);
        await client.FlushAsync("timeline", ct);
        // Just before the first write: a shard stamps writes from ranges of timestamps it took ahead, so the moment
        // before a write is told by its timestamp, not by when a timestamp was asked for.
        var timeline = new List<(HybridTimestamp At, Dictionary<long, float[]> Rows)> { (new HybridTimestamp(inserted.Ts.Value - 1), []) };
        Remember(inserted.Ts, k => k is >= 0 and < 10, 0);
        var deleted = await client.DeleteAsync("timeline", PrimaryKeys.Of(0, 1, 2), cancellationToken: ct);
        await client.FlushAsync("timeline", ct);
        Remember(deleted.Ts, k => k is 0 or 1 or 2, null);
        var upserted = await client.UpsertAsync("timeline", Rows(3, 2, generation: 1), cancellationToken: ct);
        await client.FlushAsync("timeline", ct);
        Remember(upserted.Ts, k => k is 3 or 4, 1);
        var growing = await client.InsertAsync("timeline", Rows(10, 5, generation: 0), cancellationToken: ct);
        Remember(growing.Ts, k => k is >= 10 and < 15, 0);

        var beforeCompaction = await ReadAllAsync(client, timeline, ct);
        var compaction = await CompactionSteps.CompactAsync(client, "timeline", ct);
        var afterCompaction = await Poll.UntilAsync(
            () => ReadAllAsync(client, timeline, ct), _ => true, TimeSpan.FromSeconds(30), ct);
        var segments = await Poll.UntilAsync(() => CompactionSteps.SegmentsAsync(client, "timeline", ct), n => n == 1, TimeSpan.FromSeconds(30), ct);
        var afterSwap = await ReadAllAsync(client, timeline, ct);

        var expected = timeline.Select(Expected).ToList();
        Assert.Equal(expected, beforeCompaction);
        Assert.Equal((CompactionPhase.Completed, 3, 1, 0L), (compaction.Phase, compaction.SegmentsBefore, compaction.SegmentsAfter, compaction.RowsRemoved));
        Assert.Equal(expected, afterCompaction);
        Assert.Equal(1, segments);
        Assert.Equal(expected, afterSwap);

        void Remember(HybridTimestamp at, Func<long, bool> keys, int? generation)
        {
            foreach (var key in Enumerable.Range(0, 15).Select(k => (long)k).Where(keys))
            {
                if (generation is { } g)
                {
                    rows[key] = Vector(key, g);
                }
                else
                {
                    rows.Remove(key);
                }
            }

            timeline.Add((at, new Dictionary<long, float[]>(rows)));
        }
    }

    [Fact]
    public async Task SearchAsync_AsOfBeforeTheRetentionWindowOrInTheFuture_IsRefusedNamingTheWindow()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        await client.CreateCollectionAsync(new CollectionSchema("window", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], ShardCount: 1), ct);
        var now = TimeProvider.System.GetUtcNow();

        var old = await Assert.ThrowsAsync<MilvusException>(() => client.SearchAsync(
            "window", [Vector(0, 0)], 1, new SearchParameters(AsOf: HybridTimestamp.Compose(now.AddHours(-25).ToUnixTimeMilliseconds(), 0)), ct));
        var future = await Assert.ThrowsAsync<MilvusException>(() => client.CountAsync(
            "window", asOf: HybridTimestamp.Compose(now.AddMinutes(5).ToUnixTimeMilliseconds(), 0), cancellationToken: ct));

        Assert.Equal(ErrorCode.InvalidArgument, old.Code);
        Assert.Contains("is older than the retention window: reads as of ", old.Message, StringComparison.Ordinal);
        Assert.EndsWith("(Milvus:History:RetentionHours = 24).", old.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorCode.InvalidArgument, future.Code);
        Assert.Contains("is in the future", future.Message, StringComparison.Ordinal);
    }

    /// <summary>What every read as of a moment returns when right: count, keys in order, vectors, and the search's keys.</summary>
    private static string Expected((HybridTimestamp At, Dictionary<long, float[]> Rows) moment)
    {
        var keys = moment.Rows.Keys.Order().ToArray();
        return Describe(keys.Length, keys, [.. keys.SelectMany(k => moment.Rows[k])], [.. SearchOracle.Nearest(moment.Rows, Query, MetricType.L2, 20).Select(e => e.Key)]);
    }

    private static string Describe(long count, long[] keys, float[] vectors, long[] nearest) =>
        $"count {count}; keys [{string.Join(", ", keys)}]; vectors [{string.Join(", ", vectors)}]; nearest [{string.Join(", ", nearest)}]";

    private static async Task<List<string>> ReadAllAsync(
        MilvusClient client, IEnumerable<(HybridTimestamp At, Dictionary<long, float[]> Rows)> timeline, CancellationToken ct)
    {
        var reads = new List<string>();
        foreach (var (at, _) in timeline)
        {
            var count = await client.CountAsync("timeline", asOf: at, cancellationToken: ct);
            var queried = await client.QueryAsync("timeline", "id >= 0", new QueryParameters(OutputFields: ["vec"], AsOf: at), ct);
            var searched = await client.SearchAsync("timeline", [Query], 20, new SearchParameters(AsOf: at, Exact: true), ct);
            reads.Add(Describe(count, (long[])queried.Column("id")!.Values, (float[])queried.Column("vec")!.Values, (long[])searched[0].Rows.Column("id")!.Values));
        }

        return reads;
    }

    private static readonly float[] Query = [0.5f, 0.5f, 0.5f, 0.5f];

    private static RowBatch Rows(long first, int count, int generation)
    {
        var keys = Enumerable.Range(0, count).Select(i => first + i).ToArray();
        return new RowBatch([FieldColumn.Int64("id", keys), FieldColumn.FloatVector("vec", Dimension, [.. keys.SelectMany(k => Vector(k, generation))])]);
    }

    /// <summary>A vector of random values that follow from the key and the generation: no two rows tie.</summary>
    private static float[] Vector(long key, int generation)
    {
        var random = new Random((int)(key * 31) + generation);
        return [.. Enumerable.Range(0, Dimension).Select(_ => random.NextSingle())];
    }
}
