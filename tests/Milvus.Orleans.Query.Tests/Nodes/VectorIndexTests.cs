using Azure.Storage.Blobs.Models;
using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Query.Tests.Nodes;

/// <summary>A field's index decides how its sealed segments are searched: the graph's parameters, or no graph (FLAT).</summary>
public sealed class VectorIndexTests : IAsyncLifetime
{
    private const int Dimension = 8;
    private const int Rows = 600;
    private InProcessMilvusCluster _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await InProcessMilvusCluster.StartAsync(
        1, new Dictionary<string, string?> { ["Milvus:Query:IndexMinRows"] = "400" });

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task LoadCollectionAsync_WhenFieldsHaveHnswAndFlatIndexes_BuildsOnlyTheHnswGraphWithItsParametersAndReportsEveryRowIndexed()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        var random = new Random(5);
        await client.CreateCollectionAsync(
            new CollectionSchema(
                "indexed",
                [
                    FieldSchema.Int64Key("id"),
                    FieldSchema.FloatVector("graphed", Dimension, MetricType.L2, new VectorIndex("graphed_idx", IndexKind.Hnsw, M: 8, EfConstruction: 40)),
                    FieldSchema.FloatVector("flat", Dimension, MetricType.IP, new VectorIndex("flat_idx", IndexKind.Flat)),
                ]),
            ct);
        var flat = Enumerable.Range(0, Rows).ToDictionary(i => (long)i, _ => Vector(random));
        var graphed = Enumerable.Range(0, Rows).Select(_ => Vector(random)).ToArray();
        await client.InsertAsync(
            "indexed",
            new RowBatch(
            [
                FieldColumn.Int64("id", [.. flat.Keys]),
                FieldColumn.FloatVector("graphed", Dimension, [.. graphed.SelectMany(v => v)]),
                FieldColumn.FloatVector("flat", Dimension, [.. flat.Values.SelectMany(v => v)]),
            ]),
            cancellationToken: ct);
        await client.FlushAsync("indexed", ct);

        await client.LoadCollectionAsync("indexed", ct);
        var indexes = await Poll.UntilAsync(() => client.DescribeIndexesAsync("indexed", ct), d => d.All(i => i.Progress!.IsFinished), TimeSpan.FromSeconds(60), ct);
        var graphs = await Poll.UntilAsync(
            async () => await _cluster.History.GetBlobsAsync(new GetBlobsOptions(), ct).Select(b => b.Name[(b.Name.LastIndexOf('/') + 1)..]).Where(n => n.EndsWith(".usearch", StringComparison.Ordinal)).ToListAsync(ct),
            names => names.Count > 0,
            TimeSpan.FromSeconds(30),
            ct);
        var query = Vector(random);
        var hits = await client.SearchAsync("indexed", [query], 5, new SearchParameters { VectorField = "flat" }, ct);

        Assert.Equal(["graphed_idx", "flat_idx"], indexes.Select(i => i.Index.Name));
        Assert.All(indexes, i => Assert.Equal(new IndexProgress(Rows, Rows, 0, null), i.Progress));
        Assert.Equal(["hnsw-graphed-L2-m8-ef40.usearch"], graphs);
        Assert.Equal(SearchOracle.Nearest(flat, query, MetricType.IP, 5).Select(e => e.Key), (long[])hits[0].Rows.Column("id")!.Values);
    }

    private static float[] Vector(Random random) => [.. Enumerable.Range(0, Dimension).Select(_ => (float)random.NextDouble() - 0.5f)];
}
