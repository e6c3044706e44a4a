using Microsoft.Extensions.VectorData;

namespace Milvus.Orleans.VectorData.Tests;

[Collection(VectorStoreGroup.Name)]
public sealed class ModelTests(VectorStoreCluster fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void GetCollection_WithAnUnofferedDistanceFunction_ThrowsNamingTheOfferedOnes()
    {
        var error = Assert.Throws<NotSupportedException>(() => fixture.Store.GetCollection<long, ManhattanRecord>("manhattan"));

        Assert.Equal(
            "Vector property 'Vector' asks for distance function 'ManhattanDistance': Milvus.Orleans offers CosineSimilarity (COSINE), DotProductSimilarity (IP) and EuclideanSquaredDistance (L2).",
            error.Message);
    }

    [Fact]
    public void GetCollection_WithAnUnsupportedDataType_ThrowsNamingTheSupportedOnes()
    {
        var error = Assert.Throws<NotSupportedException>(() => fixture.Store.GetCollection<long, DatedRecord>("dated"));

        Assert.Equal(
            "Property 'When' has unsupported type 'DateTime'. Data properties must be one of the supported types: bool, int, long, float, double, string (the service stores no nulls, so no Nullable<T>).",
            error.Message);
    }

    [Fact]
    public void GetCollection_WithAKeyTypeOtherThanTheRecords_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => fixture.Store.GetCollection<string, Hotel>("mismatch"));
        Assert.Throws<ArgumentException>(() => fixture.Store.GetCollection<long, Hotel>("not a name"));
    }

    [Fact]
    public async Task Store_ListsFindsAndDeletesCollections()
    {
        var name = fixture.NewName("listed");
        var hotels = fixture.Store.GetCollection<long, Hotel>(name);
        await hotels.EnsureCollectionExistsAsync(Ct);

        Assert.Contains(name, await fixture.Store.ListCollectionNamesAsync(Ct).ToListAsync(Ct));
        Assert.True(await fixture.Store.CollectionExistsAsync(name, Ct));
        await fixture.Store.EnsureCollectionDeletedAsync(name, Ct);
        await fixture.Store.EnsureCollectionDeletedAsync(name, Ct);
        Assert.False(await fixture.Store.CollectionExistsAsync(name, Ct));
        Assert.DoesNotContain(name, await fixture.Store.ListCollectionNamesAsync(Ct).ToListAsync(Ct));
        var metadata = (VectorStoreCollectionMetadata)hotels.GetService(typeof(VectorStoreCollectionMetadata))!;
        Assert.Equal(("milvus-orleans", name), (metadata.VectorStoreSystemName, metadata.CollectionName));
    }
}
