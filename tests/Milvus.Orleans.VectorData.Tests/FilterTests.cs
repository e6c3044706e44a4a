using System.Linq.Expressions;
using Microsoft.Extensions.VectorData;

namespace Milvus.Orleans.VectorData.Tests;

[Collection(VectorStoreGroup.Name)]
public sealed class FilterTests(VectorStoreCluster fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Hotel[] Hotels = [.. Enumerable.Range(1, 60).Select(CollectionTests.HotelNumber)];

    [Fact]
    public async Task GetAsync_WithEachSupportedShape_ReturnsWhatLinqSelects()
    {
        var hotels = await FilledAsync("filters");
        var city = "Oslo";
        var cities = new[] { "Lima", "Quito \"old town\"" };
        var ids = new List<long> { 3, 5, 8, 13, 21, 34, 55 };
        var minimum = 3.0;
        Expression<Func<Hotel, bool>>[] filters =
        [
            h => h.City == "Paris",
            h => h.City == city,
            h => h.City == "Quito \"old town\"",
            h => h.Name != "hotel 007",
            h => h.Rooms < 20,
            h => h.Rooms <= 20,
            h => h.Guests > 30_000,
            h => h.Rating >= minimum,
            h => h.Price > 80.5f,
            h => 25 < h.Rooms,
            h => h.Open,
            h => !h.Open,
            h => h.Open == false,
            h => h.Rooms > 20 && h.City == "Oslo",
            h => h.City == "Paris" || h.Rating == 4.5,
            h => !(h.Rooms < 30 || h.Open) && h.Rating <= 2,
            h => cities.Contains(h.City),
            h => ids.Contains(h.Id),
            h => new[] { 10, 11, 12 }.Contains(h.Rooms),
            h => h.Name.StartsWith("hotel 04"),
            h => h.Id == 42,
        ];

        foreach (var filter in filters)
        {
            var expected = Hotels.Where(filter.Compile()).Select(h => h.Id);
            var actual = (await hotels.GetAsync(filter, 1_000, cancellationToken: Ct).ToListAsync(Ct)).Select(h => h.Id);
            Assert.True(expected.SequenceEqual(actual), $"{filter}: expected [{string.Join(", ", expected)}], read [{string.Join(", ", actual)}]");
        }
    }

    [Fact]
    public async Task SearchAsync_WithAFilter_ReturnsTheNearestMatchingRecords()
    {
        var hotels = await FilledAsync("filteredsearch");
        var query = new[] { 2f, 1f, 0.5f, 1f };
        Expression<Func<Hotel, bool>> filter = h => h.Rating >= 2 && h.City != "Paris";

        var hits = await hotels.SearchAsync(query, 10, new VectorSearchOptions<Hotel> { Filter = filter, VectorProperty = h => h.Description }, Ct).ToListAsync(Ct);

        var matching = Hotels.Where(filter.Compile()).ToDictionary(h => h.Id, h => Oracle.Cosine(query, h.Description.ToArray()));
        Assert.Equal(matching.Values.OrderDescending().Take(10), hits.Select(h => h.Score!.Value), new Oracle.Close());
        Assert.All(hits, h => Assert.Equal(matching[h.Record.Id], h.Score!.Value, new Oracle.Close()));
        Assert.All(hits, h => CollectionTests.AssertSame(Hotels[h.Record.Id - 1], h.Record, withVectors: false));
    }

    [Fact]
    public async Task Filters_OfUnsupportedShapes_ThrowNotSupportedNamingThem()
    {
        var hotels = await FilledAsync("unsupported");
        (Expression<Func<Hotel, bool>> Filter, string Names)[] unsupported =
        [
            (h => h.Name.Trim() == "hotel 001", "a comparison that is not between a property and a value"),
            (h => h.Name == null, "a comparison with null"),
            (h => h.Rooms + 1 > 20, "a comparison that is not between a property and a value"),
            (h => h.Name.Contains("07"), "the method String.Contains"),
            (h => h.Name.StartsWith("50%"), "StartsWith with '%' or '_'"),
            (h => h.Rooms > h.Guests, "a comparison that is not between a property and a value"),
        ];

        foreach (var (filter, names) in unsupported)
        {
            var error = await Assert.ThrowsAsync<NotSupportedException>(async () => await hotels.GetAsync(filter, 10, cancellationToken: Ct).ToListAsync(Ct));
            Assert.Contains(names, error.Message, StringComparison.Ordinal);
            Assert.Contains("supported are ==, !=, <, <=, >, >= between a property and a value", error.Message, StringComparison.Ordinal);
        }

        var ordered = await Assert.ThrowsAsync<NotSupportedException>(async () => await hotels.GetAsync(
            h => h.Open, 10, new FilteredRecordRetrievalOptions<Hotel> { OrderBy = o => o.Ascending(h => h.Rating) }, Ct).ToListAsync(Ct));
        Assert.Equal("Milvus.Orleans returns filtered records in key order: OrderBy is not supported.", ordered.Message);
    }

    private async Task<VectorStoreCollection<long, Hotel>> FilledAsync(string prefix)
    {
        var hotels = fixture.Store.GetCollection<long, Hotel>(fixture.NewName(prefix));
        await hotels.EnsureCollectionExistsAsync(Ct);
        await hotels.UpsertAsync(Hotels, Ct);
        return hotels;
    }
}
