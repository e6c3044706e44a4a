using Microsoft.Extensions.VectorData;

namespace Milvus.Orleans.VectorData.Tests;

[Collection(VectorStoreGroup.Name)]
public sealed class CollectionTests(VectorStoreCluster fixture)
{
    private static readonly float[] UnitX = [1f, 0f, 0f];

    private static readonly float[] TwoY = [0f, 2f, 0f];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static Hotel HotelNumber(int i) => new()
    {
        Id = i,
        Name = $"hotel {i:D3}",
        Rooms = 10 + (i % 50),
        Guests = 1_000L * i,
        Price = 50.5f + i,
        Rating = (i % 10) / 2.0,
        Open = i % 3 != 0,
        City = (i % 4) switch { 0 => "Paris", 1 => "Oslo", 2 => "Lima", _ => "Quito \"old town\"" },
        Description = new[] { 1f + (i % 7), (i % 5) - 2f, 0.5f * (i % 3), 1f },
        Location = [i % 13, i % 17],
    };

    [Fact]
    public async Task UpsertGetDelete_WhenCalledInTurn_ReadEveryChange()
    {
        var hotels = fixture.Store.GetCollection<long, Hotel>(fixture.NewName("crud"));
        Assert.False(await hotels.CollectionExistsAsync(Ct));
        await hotels.EnsureCollectionExistsAsync(Ct);
        await hotels.EnsureCollectionExistsAsync(Ct);
        Assert.True(await hotels.CollectionExistsAsync(Ct));

        var hotel = HotelNumber(7);
        await hotels.UpsertAsync(hotel, Ct);
        AssertSame(hotel, await hotels.GetAsync(7, new RecordRetrievalOptions { IncludeVectors = true }, Ct), withVectors: true);

        var withoutVectors = await hotels.GetAsync(7, cancellationToken: Ct);
        AssertSame(hotel, withoutVectors, withVectors: false);
        Assert.True(withoutVectors!.Description.IsEmpty);
        Assert.Empty(withoutVectors.Location);

        hotel.Name = "renamed";
        hotel.Rooms = 99;
        hotel.Description = new[] { 0f, 0f, 0f, 1f };
        await hotels.UpsertAsync(hotel, Ct);
        AssertSame(hotel, await hotels.GetAsync(7, new RecordRetrievalOptions { IncludeVectors = true }, Ct), withVectors: true);
        Assert.Equal(1, await fixture.Cluster.Client.CountAsync(hotels.Name, consistency: Query.ConsistencyLevel.Strong, cancellationToken: Ct));

        await hotels.DeleteAsync(7, Ct);
        Assert.Null(await hotels.GetAsync(7, cancellationToken: Ct));
        Assert.Null(await hotels.GetAsync(8, cancellationToken: Ct));

        await hotels.EnsureCollectionDeletedAsync(Ct);
        await hotels.EnsureCollectionDeletedAsync(Ct);
        Assert.False(await hotels.CollectionExistsAsync(Ct));
    }

    [Fact]
    public async Task UpsertAsync_WithABatch_StoresEveryRecordOnce()
    {
        var hotels = fixture.Store.GetCollection<long, Hotel>(fixture.NewName("batch"));
        await hotels.EnsureCollectionExistsAsync(Ct);
        var batch = Enumerable.Range(1, 500).Select(HotelNumber).ToList();
        await hotels.UpsertAsync(batch, Ct);
        // The same keys again, changed: an upsert replaces, it never adds a second row.
        batch.ForEach(h => h.Rooms += 1000);
        await hotels.UpsertAsync(batch, Ct);

        var read = await hotels.GetAsync(batch.Select(h => h.Id).Reverse(), new RecordRetrievalOptions { IncludeVectors = true }, Ct).ToListAsync(Ct);
        Assert.Equal(batch.Select(h => h.Id), read.Select(h => h.Id));
        foreach (var (expected, actual) in batch.Zip(read))
        {
            AssertSame(expected, actual, withVectors: true);
        }

        Assert.Equal(500, (await hotels.GetAsync(h => true, 1_000, cancellationToken: Ct).ToListAsync(Ct)).Count);
        Assert.Equal(500, await fixture.Cluster.Client.CountAsync(hotels.Name, consistency: Query.ConsistencyLevel.Strong, cancellationToken: Ct));

        await hotels.DeleteAsync(batch.Take(200).Select(h => h.Id), Ct);
        Assert.Equal(batch.Skip(200).Select(h => h.Id), (await hotels.GetAsync(h => true, 1_000, cancellationToken: Ct).ToListAsync(Ct)).Select(h => h.Id));
    }

    [Fact]
    public async Task UpsertAsync_WithOneKeyTwiceInABatch_KeepsTheLastRecord()
    {
        var hotels = fixture.Store.GetCollection<long, Hotel>(fixture.NewName("twice"));
        await hotels.EnsureCollectionExistsAsync(Ct);
        var first = HotelNumber(3);
        var last = HotelNumber(3);
        last.Name = "the last one";

        await hotels.UpsertAsync([first, HotelNumber(4), last], Ct);

        Assert.Equal(2, await fixture.Cluster.Client.CountAsync(hotels.Name, consistency: Query.ConsistencyLevel.Strong, cancellationToken: Ct));
        Assert.Equal("the last one", (await hotels.GetAsync(3, cancellationToken: Ct))!.Name);
        var hits = await hotels.SearchAsync(first.Location, 5, new VectorSearchOptions<Hotel> { VectorProperty = h => h.Location }, Ct).ToListAsync(Ct);
        Assert.Equal([3L, 4L], hits.Select(h => h.Record.Id).Order());
    }

    [Fact]
    public async Task GetAsync_WithSkipAndTop_PagesInKeyOrder()
    {
        var hotels = fixture.Store.GetCollection<long, Hotel>(fixture.NewName("paging"));
        await hotels.EnsureCollectionExistsAsync(Ct);
        await hotels.UpsertAsync(Enumerable.Range(1, 30).Select(HotelNumber), Ct);

        var page = await hotels.GetAsync(h => h.Open, 5, new FilteredRecordRetrievalOptions<Hotel> { Skip = 4 }, Ct).ToListAsync(Ct);

        Assert.Equal(Enumerable.Range(1, 30).Where(i => i % 3 != 0).Skip(4).Take(5).Select(i => (long)i), page.Select(h => h.Id));
    }

    [Fact]
    public async Task UpsertAsync_WithTextKeysAndAFlatIndex_RoundTrips()
    {
        var notes = fixture.Store.GetCollection<string, Note>(fixture.NewName("notes"));
        await notes.EnsureCollectionExistsAsync(Ct);
        await notes.UpsertAsync(
        [
            new Note { Id = "a \"quoted\" key", Text = "first", Vector = new(UnitX) },
            new Note { Id = "b", Text = "second", Vector = new(TwoY) },
        ], Ct);

        var first = await notes.GetAsync("a \"quoted\" key", new RecordRetrievalOptions { IncludeVectors = true }, Ct);
        Assert.Equal("first", first!.Text);
        Assert.Equal([1f, 0f, 0f], first.Vector.Vector.ToArray());
        Assert.Equal(["b"], (await notes.GetAsync(n => n.Id == "b", 10, cancellationToken: Ct).ToListAsync(Ct)).Select(n => n.Id));
        var index = Assert.Single(await fixture.Cluster.Client.DescribeIndexesAsync(notes.Name, Ct));
        Assert.Equal(Schema.IndexKind.Flat, index.Index.Kind);
    }

    [Fact]
    public async Task UpsertAsync_WithEmptyGuidKeys_AssignsNewOnes()
    {
        var tagged = fixture.Store.GetCollection<Guid, Tagged>(fixture.NewName("guids"));
        await tagged.EnsureCollectionExistsAsync(Ct);
        var given = Guid.NewGuid();
        var records = new[]
        {
            new Tagged { Label = "new", Vector = new[] { 1f, 0f } },
            new Tagged { Id = given, Label = "given", Vector = new[] { 0f, 1f } },
        };

        await tagged.UpsertAsync(records, Ct);

        Assert.NotEqual(Guid.Empty, records[0].Id);
        Assert.Equal(given, records[1].Id);
        Assert.Equal("new", (await tagged.GetAsync(records[0].Id, cancellationToken: Ct))!.Label);
        Assert.Equal("given", (await tagged.GetAsync(given, cancellationToken: Ct))!.Label);
    }

    [Fact]
    public async Task SearchAsync_WithTextInput_EmbedsThroughTheGenerator()
    {
        using var generator = new LetterEmbeddings();
        var store = new MilvusVectorStore(fixture.Cluster.Client, new MilvusVectorStoreOptions { EmbeddingGenerator = generator });
        var passages = store.GetCollection<long, Passage>(fixture.NewName("passages"));
        await passages.EnsureCollectionExistsAsync(Ct);
        string[] texts = ["aaaa", "bbbb", "abab", "cafe", "hedge"];
        await passages.UpsertAsync(texts.Select((t, i) => new Passage { Id = i, Text = t }), Ct);

        var hits = await passages.SearchAsync("aaab", 5, cancellationToken: Ct).ToListAsync(Ct);

        var query = LetterEmbeddings.Of("aaab");
        var expected = texts.Select((t, i) => (Id: (long)i, Score: Oracle.Cosine(query, LetterEmbeddings.Of(t)))).OrderByDescending(h => h.Score).ToList();
        Assert.Equal(expected.Select(h => h.Id), hits.Select(h => h.Record.Id));
        Assert.Equal(expected.Select(h => h.Score), hits.Select(h => h.Score!.Value), new Oracle.Close());
        Assert.Equal("aaaa", hits[0].Record.Text);
        await Assert.ThrowsAsync<NotSupportedException>(async () =>
            await passages.GetAsync(0, new RecordRetrievalOptions { IncludeVectors = true }, Ct));
    }

    [Fact]
    public async Task Calls_OnACollectionThatDoesNotExist_ThrowVectorStoreExceptionsNamingIt()
    {
        var missing = fixture.Store.GetCollection<long, Hotel>(fixture.NewName("missing"));

        var error = await Assert.ThrowsAsync<VectorStoreException>(() => missing.UpsertAsync(HotelNumber(1), Ct));

        Assert.Equal(missing.Name, error.CollectionName);
        Assert.Equal("Upsert", error.OperationName);
        Assert.Equal("milvus-orleans", error.VectorStoreSystemName);
        Assert.Equal(ErrorCode.CollectionNotFound, Assert.IsType<MilvusException>(error.InnerException).Code);
        await Assert.ThrowsAsync<VectorStoreException>(async () => await missing.SearchAsync(UnitX, 3, new VectorSearchOptions<Hotel> { VectorProperty = h => h.Location }, Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task UpsertAsync_WithAVectorOfTheWrongLength_ThrowsNamingTheProperty()
    {
        var hotels = fixture.Store.GetCollection<long, Hotel>(fixture.NewName("wronglength"));
        await hotels.EnsureCollectionExistsAsync(Ct);
        var hotel = HotelNumber(1);
        hotel.Location = [1f, 2f, 3f];

        var error = await Assert.ThrowsAsync<ArgumentException>(() => hotels.UpsertAsync(hotel, Ct));

        Assert.StartsWith("Vector property 'Location' of record 0 has 3 values; the collection's field 'location' has 2 dimensions.", error.Message, StringComparison.Ordinal);
        Assert.Null(await hotels.GetAsync(1, cancellationToken: Ct));
    }

    internal static void AssertSame(Hotel expected, Hotel? actual, bool withVectors)
    {
        Assert.NotNull(actual);
        Assert.Equal(
            (expected.Id, expected.Name, expected.Rooms, expected.Guests, expected.Price, expected.Rating, expected.Open, expected.City),
            (actual.Id, actual.Name, actual.Rooms, actual.Guests, actual.Price, actual.Rating, actual.Open, actual.City));
        if (withVectors)
        {
            Assert.Equal(expected.Description.ToArray(), actual.Description.ToArray());
            Assert.Equal(expected.Location, actual.Location);
        }
    }
}
