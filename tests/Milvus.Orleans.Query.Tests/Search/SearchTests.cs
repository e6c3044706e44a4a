using Microsoft.Extensions.Time.Testing;
using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Query.Tests.Search;

/// <summary>
/// Reads through the delegators and query nodes of two in-process silos, exact search (no graphs) so every answer can
/// be compared with an oracle row for row: growing rows, sealed rows on query nodes, deletes and upserts at the
/// read's timestamp, filters, and the consistency levels.
/// </summary>
// The twin on the blob WAL runs after this class, not beside it: two clusters at once load the 2-core CI machine.
[Collection(nameof(SearchTests))]
public class SearchTests : IAsyncLifetime
{
    private const int Dimension = 8;
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private InProcessMilvusCluster _cluster = null!;

    public SearchTests()
        : this(new Dictionary<string, string?>())
    {
    }

    protected SearchTests(IReadOnlyDictionary<string, string?> settings) => _settings = settings;

    public async ValueTask InitializeAsync() => _cluster = await InProcessMilvusCluster.StartAsync(
        2,
        new Dictionary<string, string?>(_settings) { ["Milvus:Streaming:PChannels"] = "4", ["Milvus:Query:IndexMinRows"] = "100000000", ["Milvus:Query:Nodes"] = "3" });

    public async ValueTask DisposeAsync()
    {
        await _cluster.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    [Theory]
    [InlineData(MetricType.L2)]
    [InlineData(MetricType.IP)]
    [InlineData(MetricType.Cosine)]
    public async Task SearchAsync_OverSealedGrowingDeletedAndUpsertedRows_ReturnsTheOracleHitsOfTheLiveRows(MetricType metric)
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        var name = "mixed_" + metric;
        await client.CreateCollectionAsync(Schema(name, metric), ct);
        var live = new Dictionary<long, float[]>();
        await InsertAsync(client, name, live, 0, 1_500, seed: 1, ct);
        await client.FlushAsync(name, ct);
        await InsertAsync(client, name, live, 1_500, 500, seed: 2, ct);
        var deleted = Enumerable.Range(0, 100).Select(i => (long)(i * 19)).ToArray();
        await client.DeleteAsync(name, PrimaryKeys.Of(deleted), cancellationToken: ct);
        foreach (var key in deleted)
        {
            live.Remove(key);
        }

        // Upserts replace sealed rows (keys 1..49, odd) with new vectors.
        var upserted = Enumerable.Range(0, 25).Select(i => (long)((2 * i) + 1)).Where(k => !deleted.Contains(k)).ToArray();
        var upsertVectors = Vectors(upserted.Length, seed: 3);
        await client.UpsertAsync(name, Batch(upserted, upsertVectors), cancellationToken: ct);
        for (var i = 0; i < upserted.Length; i++)
        {
            live[upserted[i]] = upsertVectors[i];
        }

        var queries = Vectors(20, seed: 4);
        var hits = await client.SearchAsync(name, queries, 10, new SearchParameters(Consistency: Query.ConsistencyLevel.Strong), ct);

        Assert.Equal(20, hits.Count);
        for (var q = 0; q < queries.Length; q++)
        {
            var expected = SearchOracle.Nearest(live, queries[q], metric, 10);
            Assert.Equal(expected.Select(e => e.Key), (long[])hits[q].Rows.Column("id")!.Values);
            Assert.All(expected.Zip(hits[q].Scores), p => Assert.Equal(p.First.Score, p.Second, 3));
        }
    }

    [Fact]
    public async Task SearchAsync_BeforeAndAfterAFlushHandsRowsToQueryNodes_ReturnsTheSameHits()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        await client.CreateCollectionAsync(Schema("handoff", MetricType.L2), ct);
        var live = new Dictionary<long, float[]>();
        await InsertAsync(client, "handoff", live, 0, 800, seed: 5, ct);
        var queries = Vectors(5, seed: 6);
        var strong = new SearchParameters(OutputFields: ["title"], Consistency: Query.ConsistencyLevel.Strong);
        var growing = await client.SearchAsync("handoff", queries, 5, strong, ct);

        await client.FlushAsync("handoff", ct);
        var justFlushed = await client.SearchAsync("handoff", queries, 5, strong, ct);
        await Task.Delay(1_000, ct);
        var onNodes = await client.SearchAsync("handoff", queries, 5, strong, ct);

        for (var q = 0; q < queries.Length; q++)
        {
            var expected = SearchOracle.Nearest(live, queries[q], MetricType.L2, 5).Select(e => e.Key).ToArray();
            Assert.Equal(expected, (long[])growing[q].Rows.Column("id")!.Values);
            Assert.Equal(expected, (long[])justFlushed[q].Rows.Column("id")!.Values);
            Assert.Equal(expected, (long[])onNodes[q].Rows.Column("id")!.Values);
            Assert.Equal(expected.Select(k => $"row {k}"), (string[])onNodes[q].Rows.Column("title")!.Values);
        }
    }

    [Fact]
    public async Task ReleaseCollectionAsync_AfterALoad_LeavesNoSegmentOnAnyQueryNodeUntilTheNextRead()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        var info = await client.CreateCollectionAsync(Schema("released", MetricType.L2), ct);
        var live = new Dictionary<long, float[]>();
        await InsertAsync(client, "released", live, 0, 300, seed: 9, ct);
        var flushed = await client.FlushAsync("released", ct);
        await client.LoadCollectionAsync("released", ct);
        var loaded = await client.GetShardStatusAsync("released", cancellationToken: ct);

        await client.ReleaseCollectionAsync("released", ct);

        Assert.Equal(2, loaded.Sum(s => s.SegmentsByNode.Values.Sum()));
        foreach (var node in Enumerable.Range(0, 3))
        {
            foreach (var vchannel in info.VChannels)
            {
                var request = new NodeSearch(vchannel, [.. flushed.SegmentIds], new SearchRequest(info.Id, "vec", new float[Dimension], 1, null, [], default), 0, new ShardDeletes("test", 0, PrimaryKeys.Of(Array.Empty<long>()), []));
                var error = await Assert.ThrowsAsync<MilvusException>(() => _cluster.SiloGrains.GetGrain<IQueryNodeGrain>(node).SearchAsync(request));
                Assert.Equal(ErrorCode.SegmentNotLoaded, error.Code);
            }
        }

        var again = await client.SearchAsync("released", [live[7]], 1, new SearchParameters(Consistency: Query.ConsistencyLevel.Strong), ct);
        Assert.Equal([7L], (long[])again[0].Rows.Column("id")!.Values);
    }

    [Fact]
    public async Task ReleaseCollectionAsync_WhenTheNodesHoldNothingElse_DeactivatesThem()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        await client.CreateCollectionAsync(Schema("idle", MetricType.L2), ct);
        await InsertAsync(client, "idle", new Dictionary<long, float[]>(), 0, 300, seed: 9, ct);
        await client.FlushAsync("idle", ct);
        await client.LoadCollectionAsync("idle", ct);
        var holding = (await client.GetShardStatusAsync("idle", cancellationToken: ct)).SelectMany(s => s.SegmentsByNode.Keys).Distinct().Count();
        var management = _cluster.SiloGrains.GetGrain<IManagementGrain>(0);
        var loaded = await NodeActivationsAsync(management);

        await client.ReleaseCollectionAsync("idle", ct);

        var left = await Poll.UntilAsync(() => NodeActivationsAsync(management), count => count == 0, TimeSpan.FromSeconds(30), ct);

        Assert.Equal(holding, loaded);
        Assert.Equal(0, left);
    }

    private static async Task<int> NodeActivationsAsync(IManagementGrain management) =>
        (await management.GetSimpleGrainStatistics()).Where(s => s.GrainType.Contains("QueryNodeGrain", StringComparison.Ordinal)).Sum(s => s.ActivationCount);

    [Fact]
    public async Task QueryGetAndCount_WithAFilter_ReturnTheLiveMatchingRowsInKeyOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        var live = await SealedAndGrowingAsync(client, "scalar", 600, 300, seed: 7, ct);
        await client.DeleteAsync("scalar", "id in [10, 20, 700]", cancellationToken: ct);
        var strong = Query.ConsistencyLevel.Strong;

        var rows = await client.QueryAsync("scalar", "id % 10 == 0 and id < 800", new QueryParameters(["title"], Limit: 20, Offset: 5, Consistency: strong), ct);
        var count = await client.CountAsync("scalar", "id % 10 == 0 and id < 800", strong, cancellationToken: ct);
        var all = await client.CountAsync("scalar", consistency: strong, cancellationToken: ct);
        var countStar = await client.QueryAsync("scalar", "id >= 890", new QueryParameters(["count(*)"], Consistency: strong), ct);
        var got = await client.GetAsync("scalar", PrimaryKeys.Of(5, 10, 650, 700, 899, 5_000), ["title"], cancellationToken: ct);

        var matching = Enumerable.Range(0, 80).Select(i => (long)(i * 10)).Where(k => k is not (10 or 20 or 700)).ToArray();
        Assert.Equal(matching.Skip(5).Take(20), (long[])rows.Column("id")!.Values);
        Assert.Equal(matching.Skip(5).Take(20).Select(k => $"row {k}"), (string[])rows.Column("title")!.Values);
        Assert.Equal(matching.Length, count);
        Assert.Equal(897, all);
        Assert.Equal([10L], (long[])countStar.Column("count(*)")!.Values);
        Assert.Equal([5L, 650, 899], (long[])got.Column("id")!.Values);
    }

    [Fact]
    public async Task SearchAsync_RightAfterAnAcknowledgedInsert_FindsItWithStrongSessionAndBoundedAfterFiveSeconds()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        await client.CreateCollectionAsync(Schema("consistency", MetricType.L2), ct);
        var probe = new float[Dimension];
        Array.Fill(probe, 1_000f);

        await client.InsertAsync("consistency", Batch([42], [probe]), cancellationToken: ct);
        var strong = await client.SearchAsync("consistency", [probe], 1, new SearchParameters(Consistency: Query.ConsistencyLevel.Strong), ct);
        await client.InsertAsync("consistency", Batch([43], [probe]), cancellationToken: ct);
        var session = await client.SearchAsync("consistency", [probe], 2, new SearchParameters(Consistency: Query.ConsistencyLevel.Session), ct);
        await client.InsertAsync("consistency", Batch([44], [probe]), cancellationToken: ct);
        // A client whose clock is 5 s ahead: its bounded reads must see everything written up to now.
        var later = new FakeTimeProvider(DateTimeOffset.UtcNow + MilvusClient.BoundedStaleness + TimeSpan.FromMilliseconds(1));
        var bounded = await new MilvusClient(_cluster.Cluster.Client, later).SearchAsync("consistency", [probe], 3, new SearchParameters(Consistency: Query.ConsistencyLevel.Bounded), ct);
        var eventually = await client.SearchAsync("consistency", [probe], 3, new SearchParameters(Consistency: Query.ConsistencyLevel.Eventually), ct);

        Assert.Equal([42L], (long[])strong[0].Rows.Column("id")!.Values);
        Assert.Equal([42L, 43], ((long[])session[0].Rows.Column("id")!.Values).Order());
        Assert.Equal([42L, 43, 44], ((long[])bounded[0].Rows.Column("id")!.Values).Order());
        Assert.Subset(new HashSet<long> { 42, 43, 44 }, ((long[])eventually[0].Rows.Column("id")!.Values).ToHashSet());
    }

    [Fact]
    public async Task SearchAsync_WithABadFilterOrVector_FailsWithItsCode()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        await client.CreateCollectionAsync(Schema("bad_reads", MetricType.L2), ct);
        var vector = new float[Dimension];

        var filter = await Assert.ThrowsAsync<MilvusException>(() => client.SearchAsync("bad_reads", [vector], 3, new SearchParameters("title >", Consistency: Query.ConsistencyLevel.Eventually), ct));
        var dimension = await Assert.ThrowsAsync<MilvusException>(() => client.SearchAsync("bad_reads", [new float[3]], 3, cancellationToken: ct));
        var topK = await Assert.ThrowsAsync<MilvusException>(() => client.SearchAsync("bad_reads", [vector], 0, new SearchParameters(Consistency: Query.ConsistencyLevel.Eventually), ct));
        var output = await Assert.ThrowsAsync<MilvusException>(() => client.QueryAsync("bad_reads", null, new QueryParameters(["nope"], Consistency: Query.ConsistencyLevel.Eventually), ct));

        Assert.Equal((ErrorCode.InvalidExpression, "Invalid expression at position 7: the expression ends where a field or a value was expected."), (filter.Code, filter.Message));
        Assert.Equal(ErrorCode.DimensionMismatch, dimension.Code);
        Assert.Equal((ErrorCode.InvalidArgument, "topK is 0: allowed 1..16384."), (topK.Code, topK.Message));
        Assert.Equal((ErrorCode.FieldMismatch, "Collection 'bad_reads' has no field 'nope' to output."), (output.Code, output.Message));
    }

    [Fact]
    public async Task SearchAsync_ManyAtOnceInSeveralShapes_EachReturnsItsOwnOracleHitsAndABadVectorItsOwnError()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        var live = await SealedAndGrowingAsync(client, "batched", 600, 200, seed: 11, ct);
        var queries = Vectors(96, seed: 13);

        // Concurrent searches of one client wait for each other and go as batches (see SearchBatches): each must
        // still get the hits of its own vector, top-k and filter.
        var searches = queries.Select(async (query, i) =>
        {
            var (topK, filter) = (3 + (i % 3), i % 2 == 0 ? null : "id > 100");
            var hits = await client.SearchAsync("batched", [query], topK, new SearchParameters(filter, Consistency: Query.ConsistencyLevel.Strong), ct);
            var rows = filter is null ? live : live.Where(r => r.Key > 100).ToDictionary();
            return (Found: (long[])hits[0].Rows.Column("id")!.Values, Expected: SearchOracle.Nearest(rows, query, MetricType.L2, topK).Select(e => e.Key).ToArray());
        }).ToArray();
        var bad = client.SearchAsync("batched", [[float.NaN, .. queries[0][1..]]], 3, new SearchParameters(Consistency: Query.ConsistencyLevel.Strong), ct);

        var answers = await Task.WhenAll(searches);
        var error = await Assert.ThrowsAsync<MilvusException>(() => bad);

        Assert.All(answers, a => Assert.Equal(a.Expected, a.Found));
        Assert.Equal((ErrorCode.InvalidVector, "Search vector 0 holds NaN: vectors must be finite."), (error.Code, error.Message));
    }

    private static CollectionSchema Schema(string name, MetricType metric) => new(
        name,
        [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension, metric), FieldSchema.Scalar("title", DataType.VarChar, maxLength: 32)],
        ShardCount: 2);

    /// <summary>An L2 collection with <paramref name="sealedRows"/> rows flushed (on query nodes) and <paramref name="growingRows"/> more growing; its rows by key.</summary>
    private static async Task<Dictionary<long, float[]>> SealedAndGrowingAsync(MilvusClient client, string collection, int sealedRows, int growingRows, int seed, CancellationToken ct)
    {
        await client.CreateCollectionAsync(Schema(collection, MetricType.L2), ct);
        var live = new Dictionary<long, float[]>();
        await InsertAsync(client, collection, live, 0, sealedRows, seed, ct);
        await client.FlushAsync(collection, ct);
        await InsertAsync(client, collection, live, sealedRows, growingRows, seed + 1, ct);
        return live;
    }

    private static async Task InsertAsync(MilvusClient client, string collection, Dictionary<long, float[]> live, long first, int count, int seed, CancellationToken ct)
    {
        var keys = Enumerable.Range(0, count).Select(i => first + i).ToArray();
        var vectors = Vectors(count, seed);
        await client.InsertAsync(collection, Batch(keys, vectors), cancellationToken: ct);
        for (var i = 0; i < count; i++)
        {
            live[keys[i]] = vectors[i];
        }
    }

    private static RowBatch Batch(long[] keys, float[][] vectors) => new(
    [
        FieldColumn.Int64("id", keys),
        FieldColumn.FloatVector("vec", Dimension, [.. vectors.SelectMany(v => v)]),
        FieldColumn.VarChar("title", [.. keys.Select(k => $"row {k}")]),
    ]);

    private static float[][] Vectors(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, Dimension).Select(_ => (random.NextSingle() * 2) - 1).ToArray())];
    }
}

/// <summary>The same reads, with the WAL in append blobs: growing rows come from the blob log.</summary>
[Collection(nameof(SearchTests))]
public sealed class SearchOnBlobWalTests() : SearchTests(InProcessMilvusCluster.BlobWal);
