using Microsoft.Extensions.VectorData;

namespace Milvus.Orleans.VectorData.Tests;

[Collection(VectorStoreGroup.Name)]
public sealed class DynamicCollectionTests(VectorStoreCluster fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly VectorStoreCollectionDefinition Definition = new()
    {
        Properties =
        [
            new VectorStoreKeyProperty("Sku", typeof(string)),
            new VectorStoreDataProperty("Title", typeof(string)),
            new VectorStoreDataProperty("Stock", typeof(int)) { StorageName = "stock_count" },
            new VectorStoreVectorProperty("Embedding", typeof(ReadOnlyMemory<float>), 3) { DistanceFunction = DistanceFunction.EuclideanSquaredDistance },
        ],
    };

    [Fact]
    public async Task DynamicCollection_WithDictionaryRecords_WritesReadsFiltersAndSearches()
    {
        var products = fixture.Store.GetDynamicCollection(fixture.NewName("products"), Definition);
        await products.EnsureCollectionExistsAsync(Ct);
        var records = Enumerable.Range(0, 12).Select(i => new Dictionary<string, object?>
        {
            ["Sku"] = $"sku-{i:D2}",
            ["Title"] = $"product {i}",
            ["Stock"] = i * 3,
            ["Embedding"] = new ReadOnlyMemory<float>([i, i % 3, 1f]),
        }).ToList();
        await products.UpsertAsync(records, Ct);

        var one = await products.GetAsync("sku-04", new RecordRetrievalOptions { IncludeVectors = true }, Ct);
        Assert.Equal(["Sku", "Title", "Stock", "Embedding"], one!.Keys);
        Assert.Equal(("sku-04", "product 4", 12), ((string)one["Sku"]!, (string)one["Title"]!, (int)one["Stock"]!));
        Assert.Equal([4f, 1f, 1f], ((ReadOnlyMemory<float>)one["Embedding"]!).ToArray());

        var stocked = await products.GetAsync(r => (int)r["Stock"]! >= 27, 100, cancellationToken: Ct).ToListAsync(Ct);
        Assert.Equal(["sku-09", "sku-10", "sku-11"], stocked.Select(r => (string)r["Sku"]!));

        var hits = await products.SearchAsync(new ReadOnlyMemory<float>([4.2f, 1f, 1f]), 3, new VectorSearchOptions<Dictionary<string, object?>> { Filter = r => (string)r["Sku"]! != "sku-05" }, Ct).ToListAsync(Ct);
        // Squared distances 0.04, 2.44 and 4.24; sku-05 (0.64 + 1) is filtered out.
        Assert.Equal(["sku-04", "sku-03", "sku-06"], hits.Select(h => (string)h.Record["Sku"]!));
        Assert.Equal([0.04, 2.44, 4.24], hits.Select(h => h.Score!.Value), new Oracle.Close());

        await products.DeleteAsync(["sku-00", "sku-01"], Ct);
        Assert.Equal(10, (await products.GetAsync(r => true, 100, cancellationToken: Ct).ToListAsync(Ct)).Count);
    }
}
