using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace Milvus.Orleans.VectorData.Tests;

[Collection(VectorStoreGroup.Name)]
public sealed class SearchTests(VectorStoreCluster fixture)
{
    private static readonly float[] DescriptionQuery = [1f, -1f, 0.5f, 1f];

    private static readonly float[] LocationQuery = [4f, 9f];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Hotel[] Hotels = [.. Enumerable.Range(1, 40).Select(CollectionTests.HotelNumber)];

    [Fact]
    public async Task SearchAsync_OnEachVectorProperty_RanksByItsDistanceFunction()
    {
        var hotels = fixture.Store.GetCollection<long, Hotel>(fixture.NewName("twovectors"));
        await hotels.EnsureCollectionExistsAsync(Ct);
        await hotels.UpsertAsync(Hotels, Ct);

        var byDescription = await hotels.SearchAsync(DescriptionQuery, 8, new VectorSearchOptions<Hotel> { VectorProperty = h => h.Description }, Ct).ToListAsync(Ct);
        var byLocation = await hotels.SearchAsync(LocationQuery, 8, new VectorSearchOptions<Hotel> { VectorProperty = h => h.Location, IncludeVectors = true }, Ct).ToListAsync(Ct);

        AssertNearest(Hotels.ToDictionary(h => h.Id, h => Oracle.Cosine(DescriptionQuery, h.Description.ToArray())), byDescription, largerIsCloser: true, 8);
        AssertNearest(Hotels.ToDictionary(h => h.Id, h => Oracle.L2(LocationQuery, h.Location)), byLocation, largerIsCloser: false, 8);
        Assert.All(byLocation, h => CollectionTests.AssertSame(Hotels[h.Record.Id - 1], h.Record, withVectors: true));
    }

    [Fact]
    public async Task SearchAsync_UnderDotProduct_ScoresByTheInnerProduct()
    {
        var notes = fixture.Store.GetCollection<string, Note>(fixture.NewName("dot"));
        await notes.EnsureCollectionExistsAsync(Ct);
        var vectors = Enumerable.Range(0, 20).ToDictionary(i => $"n{i}", i => new[] { i % 4, 3f - (i % 5), (i % 3) * 0.5f });
        await notes.UpsertAsync(vectors.Select(v => new Note { Id = v.Key, Text = v.Key, Vector = new Embedding<float>(v.Value) }), Ct);

        var hits = await notes.SearchAsync(new Embedding<float>(new[] { 1f, 2f, -1f }), 6, cancellationToken: Ct).ToListAsync(Ct);

        var expected = vectors.ToDictionary(v => v.Key, v => Oracle.Dot([1f, 2f, -1f], v.Value));
        Assert.Equal(expected.Values.OrderDescending().Take(6), hits.Select(h => h.Score!.Value), new Oracle.Close());
        Assert.All(hits, h => Assert.Equal(expected[h.Record.Id], h.Score!.Value, new Oracle.Close()));
    }

    [Fact]
    public async Task SearchAsync_WithSkipAndScoreThreshold_ReturnsThatWindow()
    {
        var hotels = fixture.Store.GetCollection<long, Hotel>(fixture.NewName("window"));
        await hotels.EnsureCollectionExistsAsync(Ct);
        await hotels.UpsertAsync(Hotels, Ct);
        float[] query = [6f, 6f];
        var all = await hotels.SearchAsync(query, 40, new VectorSearchOptions<Hotel> { VectorProperty = h => h.Location }, Ct).ToListAsync(Ct);

        var skipped = await hotels.SearchAsync(query, 5, new VectorSearchOptions<Hotel> { VectorProperty = h => h.Location, Skip = 3 }, Ct).ToListAsync(Ct);
        var near = await hotels.SearchAsync(query, 40, new VectorSearchOptions<Hotel> { VectorProperty = h => h.Location, ScoreThreshold = 10 }, Ct).ToListAsync(Ct);

        Assert.Equal(all.Skip(3).Take(5).Select(h => h.Score), skipped.Select(h => h.Score));
        Assert.Equal(all.Where(h => h.Score <= 10).Select(h => h.Record.Id), near.Select(h => h.Record.Id));
        Assert.NotEmpty(near);
        Assert.True(near.Count < all.Count);
    }

    private static void AssertNearest(Dictionary<long, double> oracle, List<VectorSearchResult<Hotel>> hits, bool largerIsCloser, int k)
    {
        var best = largerIsCloser ? oracle.Values.OrderDescending() : oracle.Values.Order();
        Assert.Equal(best.Take(k), hits.Select(h => h.Score!.Value), new Oracle.Close());
        Assert.All(hits, h => Assert.Equal(oracle[h.Record.Id], h.Score!.Value, new Oracle.Close()));
    }
}
