using Microsoft.Extensions.DependencyInjection;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Channels;
using Milvus.Orleans.Data;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Streaming.Catalog;
using Orleans.Providers;
using Orleans.Storage;

namespace Milvus.Orleans.Streaming.Tests.Collections;

/// <summary>Collections and writes through the client SDK on three silos, checked against what the logs hold.</summary>
public sealed class CollectionWriteTests() : ClusterTests(3)
{
    [Fact]
    public async Task CreateCollectionAsync_WhenSchemaIsValid_ListsDescribesAndLogsItOnEveryShard()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;

        var created = await client.CreateCollectionAsync(TestRows.Schema("books", shards: 3), ct);

        Assert.Equal(["books"], await client.ListCollectionsAsync(ct));
        var described = await client.DescribeCollectionAsync("books", ct);
        Assert.Equal(created.Id, described.Id);
        Assert.Equal(created.Schema.Fields, described.Schema.Fields);
        Assert.Equal(created.VChannels, described.VChannels);
        Assert.Equal(CollectionState.Ready, described.State);
        Assert.Equal([Names.DefaultPartition], described.Partitions);
        Assert.Equal(3, described.VChannels.Count);
        var logged = await TestCluster.ReadAllAsync();
        Assert.Equal(described.VChannels.Order(), logged.Where(m => m.Message.Kind == MessageKind.CreateCollection).Select(m => m.Message.VChannel).Order());
        Assert.All(described.VChannels, v => Assert.Equal(created.Id, ChannelNames.ParseVChannel(v).CollectionId));
    }

    [Fact]
    public async Task InsertAsync_WhenRowsAreValid_LogsEachRowOnceOnItsShardInTimestampOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var info = await client.CreateCollectionAsync(TestRows.Schema("items", shards: 2), ct);

        long acknowledged = 0;
        for (var batch = 0; batch < 10; batch++)
        {
            var result = await client.InsertAsync("items", TestRows.Rows(batch * 100, 100), cancellationToken: ct);
            acknowledged += result.Count;
        }

        var inserts = (await TestCluster.ReadAllAsync()).Where(m => m.Message.Kind == MessageKind.Insert).ToList();
        Assert.Equal(1000, acknowledged);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), inserts.SelectMany(m => TestRows.Keys(m.Message.Rows!)).Order());
        foreach (var shard in inserts.GroupBy(m => m.Message.VChannel))
        {
            var index = info.VChannels.ToList().IndexOf(shard.Key);
            Assert.All(shard.SelectMany(m => TestRows.Keys(m.Message.Rows!)), k => Assert.Equal(index, ShardRouter.ShardOf(k, 2)));
            var ts = shard.Select(m => m.Ts.Value).ToArray();
            Assert.Equal(ts.Order(), ts);
            Assert.Equal(ts.Length, ts.Distinct().Count());
        }
    }

    [Fact]
    public async Task InsertAsync_WhenCollectionIsAutoId_ReturnsUniqueKeysInRowOrderAndLogsThem()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        await client.CreateCollectionAsync(TestRows.Schema("auto", shards: 2, autoId: true), ct);

        var result = await client.InsertAsync("auto", TestRows.Rows(0, 50, withKeys: false), cancellationToken: ct);

        Assert.Equal(50, result.Count);
        Assert.NotNull(result.AssignedIds);
        Assert.Equal(50, result.AssignedIds.Distinct().Count());
        var logged = (await TestCluster.ReadAllAsync()).Where(m => m.Message.Kind == MessageKind.Insert).OrderBy(m => m.Ts).ToList();
        // Shard 0 got rows 0..24 and shard 1 rows 25..49; each row's vector starts with its row number.
        var byRow = logged.SelectMany(m => TestRows.Keys(m.Message.Rows!).Select((key, i) => (Key: key, Row: (int)((float[])m.Message.Rows!.Column("vec")!.Values)[i * TestRows.Dimension])))
            .OrderBy(p => p.Row).Select(p => p.Key);
        Assert.Equal(result.AssignedIds, byRow);
    }

    [Fact]
    public async Task InsertAsync_WhenAnAutoIdShardGetsMoreRowsThanOneOracleCall_AssignsEveryRowAUniqueKey()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        await client.CreateCollectionAsync(new CollectionSchema("many", [FieldSchema.Int64Key("id", autoId: true), FieldSchema.FloatVector("vec", 1)], ShardCount: 1), ct);
        var rows = ITsoGrain.MaxBatch + 4_464;

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var result = await client.InsertAsync("many", new RowBatch([FieldColumn.FloatVector("vec", 1, new float[rows])]), cancellationToken: timeout.Token);

        Assert.Equal(rows, result.Count);
        Assert.Equal(rows, result.AssignedIds!.Distinct().Count());
        var logged = (await TestCluster.ReadAllAsync()).Where(m => m.Message.Kind == MessageKind.Insert).SelectMany(m => TestRows.Keys(m.Message.Rows!));
        Assert.Equal(result.AssignedIds, logged);
    }

    [Fact]
    public async Task InsertAsync_WhenBatchExceedsMessageMaxBytes_LogsOneCommittedTransaction()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var schema = new CollectionSchema("wide", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", 1024)], ShardCount: 1);
        await client.CreateCollectionAsync(schema, ct);
        // 2000 rows × 4 KiB = about 8 MiB: more than 2 MiB, so four or five chunks.
        var keys = Enumerable.Range(0, 2000).Select(i => (long)i).ToArray();
        var rows = new RowBatch([FieldColumn.Int64("id", keys), FieldColumn.FloatVector("vec", 1024, new float[2000 * 1024])]);

        await client.InsertAsync("wide", rows, cancellationToken: ct);

        var logged = (await TestCluster.ReadAllAsync()).Where(m => m.Message.CollectionId != 0 && m.Message.Kind != MessageKind.CreateCollection).ToList();
        Assert.Equal(MessageKind.BeginTxn, logged[0].Message.Kind);
        Assert.Equal(MessageKind.CommitTxn, logged[^1].Message.Kind);
        var chunks = logged[1..^1];
        Assert.InRange(chunks.Count, 4, 5);
        Assert.All(logged, m => Assert.Equal(logged[0].Message.TxnId, m.Message.TxnId));
        Assert.All(chunks, m => Assert.True(m.Message.Rows!.EstimatedBytes <= 2 * 1024 * 1024, $"{m.Message.Rows!.EstimatedBytes} bytes"));
        Assert.Equal(keys, chunks.SelectMany(m => TestRows.Keys(m.Message.Rows!)));
    }

    [Fact]
    public async Task DeleteAndUpsert_WhenKeysSpanShards_LogOneMessagePerShardWithItsKeys()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        await client.CreateCollectionAsync(TestRows.Schema("edits", shards: 2), ct);
        await client.InsertAsync("edits", TestRows.Rows(0, 20), cancellationToken: ct);

        var deleted = await client.DeleteAsync("edits", PrimaryKeys.Of(1L, 2L, 3L, 4L, 5L), cancellationToken: ct);
        var upserted = await client.UpsertAsync("edits", TestRows.Rows(10, 4), cancellationToken: ct);

        Assert.Equal(5, deleted.Count);
        Assert.Equal(4, upserted.Count);
        Assert.True(upserted.Ts > deleted.Ts);
        var logged = await TestCluster.ReadAllAsync();
        Assert.Equal([1L, 2, 3, 4, 5], logged.Where(m => m.Message.Kind == MessageKind.Delete).SelectMany(m => m.Message.Keys!.Int64!).Order());
        Assert.Equal([10L, 11, 12, 13], logged.Where(m => m.Message.Kind == MessageKind.Upsert).SelectMany(m => TestRows.Keys(m.Message.Rows!)).Order());
    }

    [Fact]
    public async Task DeleteAsync_ByAnExpression_DeletesTheRowsItMatchesAndRefusesBadOnesWritingNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        await client.CreateCollectionAsync(TestRows.Schema("byexpr", shards: 2), ct);
        await client.InsertAsync("byexpr", TestRows.Rows(0, 20), cancellationToken: ct);
        var before = (await TestCluster.ReadAllAsync()).Count;

        var invalid = await Assert.ThrowsAsync<MilvusException>(() => client.DeleteAsync("byexpr", "id in [1, 2", cancellationToken: ct));
        var unknownField = await Assert.ThrowsAsync<MilvusException>(() => client.DeleteAsync("byexpr", "idd == 1", cancellationToken: ct));
        var afterErrors = (await TestCluster.ReadAllAsync()).Count;
        var none = await client.DeleteAsync("byexpr", "id in []", cancellationToken: ct);
        var byKeys = await client.DeleteAsync("byexpr", "id in [1, 2, 3] or id == 7 or 3 == id", cancellationToken: ct);
        // Not by key alone: the rows matching now are found by a query, then deleted by key.
        var byRank = await client.DeleteAsync("byexpr", "rank > 15 or title == \"row 2\"", cancellationToken: ct);

        Assert.Equal((ErrorCode.InvalidExpression, ErrorCode.InvalidExpression), (invalid.Code, unknownField.Code));
        Assert.Equal("Invalid expression at position 11: expected ',', found the end.", invalid.Message);
        Assert.StartsWith("Invalid expression at position 0: collection 'byexpr' has no field 'idd'", unknownField.Message, StringComparison.Ordinal);
        Assert.Equal(before, afterErrors);
        Assert.Equal((0L, 4L, 4L), (none.Count, byKeys.Count, byRank.Count));
        var logged = await TestCluster.ReadAllAsync();
        Assert.Equal([1L, 2, 3, 7, 16, 17, 18, 19], logged.Where(m => m.Message.Kind == MessageKind.Delete).SelectMany(m => m.Message.Keys!.Int64!).Order());
    }

    [Fact]
    public async Task InsertAsync_WhenTheCollectionHasADynamicField_GivesRowsWithoutOneAnEmptyObjectAndFiltersReadItsKeys()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var declared = TestRows.Schema("tagged", shards: 2);
        await client.CreateCollectionAsync(CollectionSchema.Of(declared.Name, declared.Fields, declared.ShardCount, enableDynamicField: true), ct);

        await client.InsertAsync("tagged", TestRows.Rows(0, 4), cancellationToken: ct);
        await client.InsertAsync("tagged", TestRows.Rows(4, 2).With(FieldColumn.Json(CollectionSchema.DynamicFieldName, ["""{"tag":"a"}""", """{"tag":"b"}"""])), cancellationToken: ct);

        var rows = await client.QueryAsync("tagged", "id < 100", new Client.QueryParameters([CollectionSchema.DynamicFieldName], Consistency: Query.ConsistencyLevel.Strong), ct);
        Assert.Equal(["{}", "{}", "{}", "{}", """{"tag":"a"}""", """{"tag":"b"}"""], (string[])rows.Column(CollectionSchema.DynamicFieldName)!.Values);
        Assert.Equal(1L, await client.CountAsync("tagged", "tag == \"b\"", Query.ConsistencyLevel.Strong, cancellationToken: ct));
    }

    [Fact]
    public async Task Reads_WhenPartitionsAreNamed_SeeOnlyTheRowsOfThosePartitionsSealedAndGrowing()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        await client.CreateCollectionAsync(TestRows.Schema("parted", shards: 2), ct);
        await client.CreatePartitionAsync("parted", "p1", ct);
        await client.InsertAsync("parted", TestRows.Rows(0, 10), cancellationToken: ct);
        await client.InsertAsync("parted", TestRows.Rows(10, 5), "p1", ct);
        await client.FlushAsync("parted", ct);
        await client.InsertAsync("parted", TestRows.Rows(15, 5), "p1", ct);
        await client.InsertAsync("parted", TestRows.Rows(20, 5), cancellationToken: ct);
        var strong = Query.ConsistencyLevel.Strong;
        var query = (float[])TestRows.Rows(12, 1).Column("vec")!.Values;

        var counts = (
            await client.CountAsync("parted", null, strong, ["p1"], cancellationToken: ct),
            await client.CountAsync("parted", null, strong, [Names.DefaultPartition], cancellationToken: ct),
            await client.CountAsync("parted", null, strong, ["p1", Names.DefaultPartition], cancellationToken: ct),
            await client.CountAsync("parted", null, strong, cancellationToken: ct));
        var searched = await client.SearchAsync("parted", [query], 100, new Client.SearchParameters(Consistency: strong, Partitions: ["p1"]), ct);
        var queried = await client.QueryAsync("parted", "id >= 0", new Client.QueryParameters(Consistency: strong, Partitions: ["p1"]), ct);
        var got = await client.GetAsync("parted", PrimaryKeys.Of(0, 10, 20), consistency: strong, partitions: ["p1"], cancellationToken: ct);
        var unknown = await Assert.ThrowsAsync<MilvusException>(() => client.CountAsync("parted", null, strong, ["p9"], cancellationToken: ct));

        Assert.Equal((10L, 15L, 25L, 25L), counts);
        Assert.Equal(Enumerable.Range(10, 10).Select(i => (long)i), TestRows.Keys(searched[0].Rows).Order());
        Assert.Equal(Enumerable.Range(10, 10).Select(i => (long)i), TestRows.Keys(queried));
        Assert.Equal([10L], TestRows.Keys(got));
        Assert.Equal((ErrorCode.PartitionNotFound, "Collection 'parted' has no partition 'p9'."), (unknown.Code, unknown.Message));
    }

    [Fact]
    public async Task Reads_WhenAnotherClientCreatedThePartitionAfterThisOneDescribedTheCollection_FindIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var other = new Client.MilvusClient(TestCluster.Cluster.Client);
        await client.CreateCollectionAsync(TestRows.Schema("later", shards: 1), ct);
        await other.CountAsync("later", cancellationToken: ct);
        await client.CreatePartitionAsync("later", "p2", ct);
        await client.InsertAsync("later", TestRows.Rows(0, 3), "p2", ct);

        Assert.Equal(3L, await other.CountAsync("later", null, Query.ConsistencyLevel.Strong, ["p2"], cancellationToken: ct));
    }

    [Fact]
    public async Task LoadAndRelease_WhenCalled_RecordTheLoadStateTheCatalogDescribes()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        await client.CreateCollectionAsync(TestRows.Schema("loading", shards: 1), ct);
        var created = (await client.DescribeCollectionAsync("loading", ct)).Loaded;

        await client.LoadCollectionAsync("loading", ct);
        var loaded = (await client.DescribeCollectionAsync("loading", ct)).Loaded;
        await client.ReleaseCollectionAsync("loading", ct);
        var released = (await client.DescribeCollectionAsync("loading", ct)).Loaded;
        await client.LoadCollectionAsync("loading", replicas: 1, ct);

        Assert.Equal((false, true, false, true), (created, loaded, released, (await client.DescribeCollectionAsync("loading", ct)).Loaded));
    }

    [Fact]
    public async Task Partitions_WhenCreatedAndDropped_AreListedAndCheckedOnInsert()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        await client.CreateCollectionAsync(TestRows.Schema("parts", shards: 1), ct);

        await client.CreatePartitionAsync("parts", "p2024", ct);
        await client.InsertAsync("parts", TestRows.Rows(0, 3), "p2024", ct);
        await client.DropPartitionAsync("parts", "p2024", ct);
        var error = await Assert.ThrowsAsync<MilvusException>(() => client.InsertAsync("parts", TestRows.Rows(3, 3), "p2024", ct));

        Assert.Equal(ErrorCode.PartitionNotFound, error.Code);
        Assert.Equal([Names.DefaultPartition], await client.ListPartitionsAsync("parts", ct));
        var kinds = (await TestCluster.ReadAllAsync()).Select(m => m.Message.Kind).ToArray();
        Assert.Equal([MessageKind.CreateCollection, MessageKind.CreatePartition, MessageKind.Insert, MessageKind.DropPartition], kinds);
    }

    [Fact]
    public async Task Partitions_WhenCreatedAndDropped_GetIdsNeverReusedWhichTheDdlMessagesCarry()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var first = await client.CreateCollectionAsync(TestRows.Schema("ids1", shards: 1), ct);
        await client.CreatePartitionAsync("ids1", "a", ct);
        await client.CreatePartitionAsync("ids1", "b", ct);
        await client.DropPartitionAsync("ids1", "a", ct);
        await client.CreatePartitionAsync("ids1", "a", ct);
        var second = await client.CreateCollectionAsync(TestRows.Schema("ids2", shards: 1), ct);

        var after = await client.DescribeCollectionAsync("ids1", ct);
        var logged = (await TestCluster.ReadAllAsync()).Where(m => m.Message.CollectionId == first.Id && m.Message.Kind == MessageKind.CreatePartition).ToList();

        Assert.Equal([Names.DefaultPartition, "b", "a"], after.Partitions);
        Assert.Equal([first.PartitionIds![0], first.PartitionIds[0] + 2, first.PartitionIds[0] + 3], after.PartitionIds);
        Assert.Equal(first.PartitionIds[0] + 3, after.PartitionId("a"));
        Assert.Null(after.PartitionId("c"));
        Assert.Equal([first.PartitionIds[0] + 4], second.PartitionIds);
        Assert.Equal([first.PartitionIds[0] + 1, first.PartitionIds[0] + 2, first.PartitionIds[0] + 3], logged.Select(m => m.Message.Collection!.PartitionId(m.Message.Partition!)));
    }

    [Fact]
    public async Task DescribeCollectionAsync_WhenAnotherActivationOfTheCatalogCreatedIt_FindsItInStorage()
    {
        var ct = TestContext.Current.CancellationToken;
        var other = await CreateBehindTheCatalogAsync("other", ct);

        var described = await TestCluster.Client.DescribeCollectionAsync("other", ct);
        var byId = await TestCluster.SiloGrains.GetGrain<ICatalogGrain>(0).GetCollectionAsync(other.Id);

        Assert.Equal(other.Id, described.Id);
        Assert.Equal(other.VChannels, byId!.VChannels);
    }

    [Fact]
    public async Task CreateCollectionAsync_WhenAnotherActivationOfTheCatalogChangedIt_StartsFromTheStoredState()
    {
        var ct = TestContext.Current.CancellationToken;
        var other = await CreateBehindTheCatalogAsync("other", ct);

        var created = await TestCluster.Client.CreateCollectionAsync(TestRows.Schema("next", shards: 1), ct);

        Assert.Equal(other.Id + 1, created.Id);
        Assert.Equal(["first", "next", "other"], await TestCluster.Client.ListCollectionsAsync(ct));
    }

    /// <summary>
    /// Stores a collection <paramref name="name"/> as a second activation of the catalog would (Orleans' directory allows
    /// one briefly while silos join or leave), behind the back of the activation that serves the cluster.
    /// </summary>
    private async Task<CollectionInfo> CreateBehindTheCatalogAsync(string name, CancellationToken ct)
    {
        var first = await TestCluster.Client.CreateCollectionAsync(TestRows.Schema("first", shards: 1), ct);
        var catalog = TestCluster.Cluster.Client.GetGrain<ICatalogGrain>(0);
        var storage = TestCluster.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);
        var saved = new GrainState<CatalogState>();
        await storage.ReadStateAsync("catalog", catalog.GetGrainId(), saved);
        var id = saved.State!.NextCollectionId++;
        var other = first with { Id = id, Schema = first.Schema with { Name = name } };
        saved.State.Collections[id] = other;
        await storage.WriteStateAsync("catalog", catalog.GetGrainId(), saved);
        return other;
    }

    [Fact]
    public async Task Catalog_WhenItsStateHasPartitionsWithoutIds_GivesThemIdsOnActivation()
    {
        var ct = TestContext.Current.CancellationToken;
        var created = await TestCluster.Client.CreateCollectionAsync(TestRows.Schema("legacy", shards: 1), ct);
        var catalog = TestCluster.Cluster.Client.GetGrain<ICatalogGrain>(0);
        var storage = TestCluster.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);
        var saved = new GrainState<CatalogState>();
        await storage.ReadStateAsync("catalog", catalog.GetGrainId(), saved);
        // As the catalog wrote it before partitions had ids.
        saved.State!.Collections[created.Id] = created with { PartitionIds = null };
        await storage.WriteStateAsync("catalog", catalog.GetGrainId(), saved);

        await TestCluster.Cluster.DeactivateAsync(catalog);
        var reactivated = await TestCluster.SiloGrains.GetGrain<ICatalogGrain>(0).GetCollectionAsync(created.Id);

        Assert.Equal([saved.State.NextPartitionId], reactivated!.PartitionIds);
    }
}
