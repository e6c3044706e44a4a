using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Streaming.Tests.Collections;

/// <summary>
/// Each bad request gets its error code and a message naming the problem, and leaves no trace in any log. Rows
/// are checked twice, by the client and by the vchannel; the server-side rows bypass the client.
/// </summary>
public sealed class BadInputTests(BadInputFixture fixture) : IClassFixture<BadInputFixture>
{
    public static TheoryData<string> ClientCases => [.. Cases.Keys];

    public static TheoryData<string> ServerCases => [.. ServerRows.Keys];

    private static Dictionary<string, (Func<MilvusClient, MilvusClient, CancellationToken, Task> Call, ErrorCode Code, string Names)> Cases { get; } = new()
    {
        ["wrong dimension"] = ((c, _, ct) => c.InsertAsync("good", Replace(TestRows.Rows(0, 2), FieldColumn.FloatVector("vec", 7, new float[14])), cancellationToken: ct), ErrorCode.DimensionMismatch, "dimension 8 but the batch sends dimension 7"),
        ["NaN in a vector"] = ((c, _, ct) => c.InsertAsync("good", WithVectorValue(float.NaN), cancellationToken: ct), ErrorCode.InvalidVector, "row 1 holds NaN"),
        ["infinity in a vector"] = ((c, _, ct) => c.InsertAsync("good", WithVectorValue(float.PositiveInfinity), cancellationToken: ct), ErrorCode.InvalidVector, "vectors must be finite"),
        ["duplicate field"] = ((c, _, ct) => c.InsertAsync("good", new RowBatch([.. TestRows.Rows(0, 2).Columns, FieldColumn.Double("score", [1, 2])]), cancellationToken: ct), ErrorCode.FieldMismatch, "field 'score' appears twice"),
        ["missing field"] = ((c, _, ct) => c.InsertAsync("good", Without(TestRows.Rows(0, 2), "title"), cancellationToken: ct), ErrorCode.FieldMismatch, "lacks field 'title'"),
        ["unknown field"] = ((c, _, ct) => c.InsertAsync("good", new RowBatch([.. TestRows.Rows(0, 2).Columns, FieldColumn.Int32("color", [1, 2])]), cancellationToken: ct), ErrorCode.FieldMismatch, "field 'color', which the schema does not have"),
        ["wrong type"] = ((c, _, ct) => c.InsertAsync("good", Replace(TestRows.Rows(0, 2), FieldColumn.Float("score", [1, 2])), cancellationToken: ct), ErrorCode.TypeMismatch, "'score' is Double but the batch sends Float"),
        ["empty batch"] = ((c, _, ct) => c.InsertAsync("good", TestRows.Rows(0, 0), cancellationToken: ct), ErrorCode.EmptyBatch, "no rows"),
        ["65 MB batch"] = ((c, _, ct) => c.InsertAsync("good", new RowBatch([FieldColumn.Int64("id", [1]), FieldColumn.FloatVector("vec", 8, new float[65 * 1024 * 1024 / 4])]), cancellationToken: ct), ErrorCode.MessageTooLarge, "at most 64 MiB"),
        ["VarChar too long"] = ((c, _, ct) => c.InsertAsync("good", Replace(TestRows.Rows(0, 2), FieldColumn.VarChar("title", ["ok", new string('x', 65)])), cancellationToken: ct), ErrorCode.TypeMismatch, "row 1 is 65 characters: allowed 0..64"),
        ["invalid JSON"] = ((c, _, ct) => c.InsertAsync("good", Replace(TestRows.Rows(0, 2), FieldColumn.Json("meta", ["{}", "{\"a\":"])), cancellationToken: ct), ErrorCode.TypeMismatch, "'meta' row 1 is not a JSON document"),
        ["columns of different lengths"] = ((c, _, ct) => c.InsertAsync("good", Replace(TestRows.Rows(0, 2), FieldColumn.Bool("flag", [true])), cancellationToken: ct), ErrorCode.FieldMismatch, "'flag' has 1 rows"),
        ["AutoId key sent"] = ((c, _, ct) => c.InsertAsync("auto", TestRows.Rows(0, 2), cancellationToken: ct), ErrorCode.FieldMismatch, "'id' is AutoId: leave it out"),
        ["unknown collection"] = ((c, _, ct) => c.InsertAsync("nope", TestRows.Rows(0, 2), cancellationToken: ct), ErrorCode.CollectionNotFound, "'nope' does not exist"),
        ["insert after drop"] = ((_, stale, ct) => stale.InsertAsync("gone", TestRows.Rows(5, 2), cancellationToken: ct), ErrorCode.CollectionDropped, "'gone' was dropped"),
        ["bad partition"] = ((c, _, ct) => c.InsertAsync("good", TestRows.Rows(0, 2), "p9", ct), ErrorCode.PartitionNotFound, "no partition 'p9'"),
        ["collection name with ../"] = ((c, _, ct) => c.CreateCollectionAsync(TestRows.Schema("../etc"), ct), ErrorCode.InvalidName, "collection name '../etc'"),
        ["field name with a space"] = ((c, _, ct) => c.CreateCollectionAsync(new CollectionSchema("s", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("my vec", 4)]), ct), ErrorCode.InvalidName, "field name 'my vec'"),
        ["two primary keys"] = ((c, _, ct) => c.CreateCollectionAsync(new CollectionSchema("s", [FieldSchema.Int64Key("a"), FieldSchema.Int64Key("b"), FieldSchema.FloatVector("v", 4)]), ct), ErrorCode.InvalidSchema, "2 primary key fields"),
        ["no vector field"] = ((c, _, ct) => c.CreateCollectionAsync(new CollectionSchema("s", [FieldSchema.Int64Key("a"), FieldSchema.Scalar("b", DataType.Bool)]), ct), ErrorCode.InvalidSchema, "no FloatVector field"),
        ["vector dimension 0"] = ((c, _, ct) => c.CreateCollectionAsync(new CollectionSchema("s", [FieldSchema.Int64Key("a"), FieldSchema.FloatVector("v", 0)]), ct), ErrorCode.InvalidSchema, "dimension 0: allowed 1..32768"),
        ["duplicate schema field"] = ((c, _, ct) => c.CreateCollectionAsync(new CollectionSchema("s", [FieldSchema.Int64Key("a"), FieldSchema.FloatVector("a", 4)]), ct), ErrorCode.InvalidSchema, "field 'a' appears twice"),
        ["reserved dynamic field without the flag"] = ((c, _, ct) => c.CreateCollectionAsync(new CollectionSchema("s", [FieldSchema.Int64Key("a"), FieldSchema.FloatVector("v", 4), FieldSchema.Dynamic]), ct), ErrorCode.InvalidSchema, "field '$meta' is reserved: a schema with EnableDynamicField has it as a Json field, and no other schema may."),
        ["dynamic flag without its field"] = ((c, _, ct) => c.CreateCollectionAsync(new CollectionSchema("s", [FieldSchema.Int64Key("a"), FieldSchema.FloatVector("v", 4)], EnableDynamicField: true), ct), ErrorCode.InvalidSchema, "has EnableDynamicField but no field '$meta' to keep the dynamic keys in (see CollectionSchema.Of)."),
        ["dynamic field holding an array"] = ((c, _, ct) => c.InsertAsync("dynamic", TestRows.Rows(0, 2).With(FieldColumn.Json(CollectionSchema.DynamicFieldName, ["{}", "[1]"])), cancellationToken: ct), ErrorCode.TypeMismatch, "Json field '$meta' row 1 is not a JSON object: Array."),
        ["existing collection"] = ((c, _, ct) => c.CreateCollectionAsync(TestRows.Schema("good"), ct), ErrorCode.CollectionAlreadyExists, "'good' exists already"),
        ["delete without keys"] = ((c, _, ct) => c.DeleteAsync("good", PrimaryKeys.Of(Array.Empty<long>()), cancellationToken: ct), ErrorCode.EmptyBatch, "no primary keys"),
        ["delete with VarChar keys"] = ((c, _, ct) => c.DeleteAsync("good", PrimaryKeys.Of("a"), cancellationToken: ct), ErrorCode.TypeMismatch, "'id' is Int64 but the keys are VarChar"),
        ["drop the default partition"] = ((c, _, ct) => c.DropPartitionAsync("good", "_default", ct), ErrorCode.InvalidArgument, "default partition '_default' cannot be dropped"),
        ["search with no vectors"] = ((c, _, ct) => c.SearchAsync("good", [], 5, cancellationToken: ct), ErrorCode.InvalidArgument, "A search has 0 query vectors: allowed 1..16384."),
        ["search with 16,385 vectors"] = ((c, _, ct) => c.SearchAsync("good", Vectors(16_385), 5, cancellationToken: ct), ErrorCode.InvalidArgument, "A search has 16385 query vectors: allowed 1..16384."),
        ["top-k 0"] = ((c, _, ct) => c.SearchAsync("good", Vectors(1), 0, cancellationToken: ct), ErrorCode.InvalidArgument, "topK is 0: allowed 1..16384."),
        ["top-k 16,385"] = ((c, _, ct) => c.SearchAsync("good", Vectors(1), 16_385, cancellationToken: ct), ErrorCode.InvalidArgument, "topK is 16385: allowed 1..16384."),
        ["nq × top-k over the bound"] = ((c, _, ct) => c.SearchAsync("good", Vectors(100), 16_384, cancellationToken: ct), ErrorCode.InvalidArgument, "asks for 1638400 hits: at most 1048576 (nq × topK) per request."),
        ["search naming 65 output fields"] = ((c, _, ct) => c.SearchAsync("good", Vectors(1), 5, new SearchParameters(OutputFields: [.. Enumerable.Repeat("title", 65)]), ct), ErrorCode.InvalidArgument, "A read names 65 output fields: at most 64."),
        ["search of an unknown output field"] = ((c, _, ct) => c.SearchAsync("good", Vectors(1), 5, new SearchParameters(OutputFields: ["nope"]), ct), ErrorCode.FieldMismatch, "Collection 'good' has no field 'nope' to output."),
        ["search vector of the wrong length"] = ((c, _, ct) => c.SearchAsync("good", [new float[7]], 5, cancellationToken: ct), ErrorCode.DimensionMismatch, "search with at least one vector of 8 values"),
        ["NaN in a search vector"] = ((c, _, ct) => c.SearchAsync("good", [[float.NaN, 0, 0, 0, 0, 0, 0, 0]], 5, cancellationToken: ct), ErrorCode.InvalidVector, "Search vector 0 holds NaN: vectors must be finite."),
        ["filter nested 65 levels"] = ((c, _, ct) => c.SearchAsync("good", Vectors(1), 5, new SearchParameters(new string('(', 65) + "id > 1" + new string(')', 65)), ct), ErrorCode.InvalidExpression, "the expression nests deeper than 64 levels"),
        ["filter of 70,009 characters"] = ((c, _, ct) => c.CountAsync("good", "id in [" + string.Concat(Enumerable.Repeat("1,", 35_000)) + "1]", cancellationToken: ct), ErrorCode.InvalidExpression, "The expression is 70009 characters long; at most 65536 are accepted."),
        ["filter on an unknown field"] = ((c, _, ct) => c.SearchAsync("good", Vectors(1), 5, new SearchParameters("nope > 1"), ct), ErrorCode.InvalidExpression, "collection 'good' has no field 'nope'"),
        ["filter comparing text with a number"] = ((c, _, ct) => c.SearchAsync("good", Vectors(1), 5, new SearchParameters("title > 5"), ct), ErrorCode.InvalidExpression, "cannot compare field 'title' (VarChar), text, with 5, an integer"),
        ["like pattern of 1,025 characters"] = ((c, _, ct) => c.CountAsync("good", $"title like \"{new string('a', 1_025)}\"", cancellationToken: ct), ErrorCode.InvalidExpression, "the 'like' pattern is 1025 characters long; at most 1024 are accepted"),
        ["search of a field that is not a vector"] = ((c, _, ct) => c.SearchAsync("good", Vectors(1), 5, new SearchParameters(VectorField: "title"), ct), ErrorCode.FieldMismatch, "Collection 'good' has no vector field 'title'."),
        ["ef over the bound"] = ((c, _, ct) => c.SearchAsync("good", Vectors(1), 5, new SearchParameters(Ef: 20_000), ct), ErrorCode.InvalidArgument, "ef is 20000: allowed 0 (the default) ..16384."),
        ["search of an unknown collection"] = ((c, _, ct) => c.SearchAsync("nope", Vectors(1), 5, cancellationToken: ct), ErrorCode.CollectionNotFound, "Collection 'nope' does not exist."),
        ["query offset + limit over 16,384"] = ((c, _, ct) => c.QueryAsync("good", null, new QueryParameters(Limit: 16_384, Offset: 1), ct), ErrorCode.InvalidArgument, "offset 1 and limit 16384: both at least 0, and together at most 16384."),
        ["query with a negative offset"] = ((c, _, ct) => c.QueryAsync("good", null, new QueryParameters(Offset: -1), ct), ErrorCode.InvalidArgument, "offset -1 and limit 100"),
        ["query naming 65 output fields"] = ((c, _, ct) => c.QueryAsync("good", null, new QueryParameters([.. Enumerable.Repeat("title", 65)]), ct), ErrorCode.InvalidArgument, "A read names 65 output fields: at most 64."),
        ["query of an unknown output field"] = ((c, _, ct) => c.QueryAsync("good", null, new QueryParameters(["nope"]), ct), ErrorCode.FieldMismatch, "Collection 'good' has no field 'nope' to output."),
        ["query with an unfinished filter"] = ((c, _, ct) => c.QueryAsync("good", "id ==", cancellationToken: ct), ErrorCode.InvalidExpression, "Invalid expression at position 5: the expression ends where a field or a value was expected."),
        ["count with a filter that is not a condition"] = ((c, _, ct) => c.CountAsync("good", "rank", cancellationToken: ct), ErrorCode.InvalidExpression, "the filter must be a condition, not an integer."),
        ["get of 16,385 keys"] = ((c, _, ct) => c.GetAsync("good", PrimaryKeys.Of([.. Enumerable.Range(0, 16_385).Select(i => (long)i)]), cancellationToken: ct), ErrorCode.InvalidArgument, "Get at most 16384 keys per call, not 16385."),
        ["get with VarChar keys"] = ((c, _, ct) => c.GetAsync("good", PrimaryKeys.Of("a"), cancellationToken: ct), ErrorCode.TypeMismatch, "primary key 'id' is Int64 but the keys are VarChar."),
        ["get with no keys"] = ((c, _, ct) => c.GetAsync("good", PrimaryKeys.Of(Array.Empty<long>()), cancellationToken: ct), ErrorCode.EmptyBatch, "no primary keys given; send at least one."),
        ["delete by an unfinished expression"] = ((c, _, ct) => c.DeleteAsync("good", "id in [", cancellationToken: ct), ErrorCode.InvalidExpression, "Invalid expression at position 7"),
        ["delete of 64 MiB of keys"] = ((c, _, ct) => c.DeleteAsync("good", PrimaryKeys.Of(new long[8_400_000]), cancellationToken: ct), ErrorCode.MessageTooLarge, "the keys are about 64 MiB; at most 64 MiB per request."),
        ["description of 1,025 characters"] = ((c, _, ct) => c.CreateCollectionAsync(TestRows.Schema("described") with { Description = new string('d', 1_025) }, ct), ErrorCode.InvalidSchema, "the description is 1025 characters long: allowed 0..1024."),
        ["65 fields"] = ((c, _, ct) => c.CreateCollectionAsync(new CollectionSchema("wide", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("v", 4), .. Enumerable.Range(0, 63).Select(i => FieldSchema.Scalar($"f{i}", DataType.Int32))]), ct), ErrorCode.InvalidSchema, "has 65 fields: allowed 2..64"),
        ["17 shards"] = ((c, _, ct) => c.CreateCollectionAsync(TestRows.Schema("sharded", shards: 17), ct), ErrorCode.InvalidSchema, "ShardCount = 17: allowed 1..16."),
        ["partition name with a dot"] = ((c, _, ct) => c.CreatePartitionAsync("good", "p.1", ct), ErrorCode.InvalidName, "Invalid partition name 'p.1'"),
        ["partition of an unknown collection"] = ((c, _, ct) => c.CreatePartitionAsync("nope", "p1", ct), ErrorCode.CollectionNotFound, "Collection 'nope' does not exist."),
        ["user name starting with a digit"] = ((c, _, ct) => c.CreateUserAsync("1x", "password1", ct), ErrorCode.InvalidArgument, "Invalid user name '1x'"),
        ["password of 5 characters"] = ((c, _, ct) => c.CreateUserAsync("bob", "short", ct), ErrorCode.InvalidArgument, "A password has 6..256 characters; this one has 5."),
        ["password of an unknown user"] = ((c, _, ct) => c.UpdatePasswordAsync("ghost", null, "password1", ct), ErrorCode.InvalidArgument, "User 'ghost' does not exist."),
        ["deleting root"] = ((c, _, ct) => c.DeleteUserAsync("root", ct), ErrorCode.InvalidArgument, "The root user cannot be deleted."),
        ["transaction on a shard out of range"] = ((c, _, ct) => c.BeginTransactionAsync("good", 5, cancellationToken: ct), ErrorCode.InvalidArgument, "Collection 'good' has shards 0..1, not 5."),
        ["transaction kept alive half a second"] = ((c, _, ct) => c.BeginTransactionAsync("good", 0, TimeSpan.FromMilliseconds(500), ct), ErrorCode.InvalidArgument, "keep-alive of 00:00:00.5000000 is out of range"),
        ["load with 0 replicas"] = ((c, _, ct) => c.LoadCollectionAsync("good", replicas: 0, ct), ErrorCode.InvalidArgument, "Collection 'good': replicas must be 1 to 8, not 0."),
        ["load with 9 replicas"] = ((c, _, ct) => c.LoadCollectionAsync("good", replicas: 9, ct), ErrorCode.InvalidArgument, "Collection 'good': replicas must be 1 to 8, not 9."),
        ["status of a replica not loaded"] = ((c, _, ct) => c.GetShardStatusAsync("good", replica: 1, ct), ErrorCode.InvalidArgument, "Collection 'good' has replicas 0..0, not 1."),
        ["unknown consistency level"] = ((c, _, ct) => c.CountAsync("good", null, (Query.ConsistencyLevel)9, cancellationToken: ct), ErrorCode.InvalidArgument, "Consistency level 9 is not one of Strong, Bounded, Session, Eventually."),
    };

    /// <summary>Batches sent straight to shard 0 of <c>good</c>, as a client that skips its own checks would.</summary>
    private static Dictionary<string, (RowBatch Rows, ErrorCode Code, string Names)> ServerRows { get; } = new()
    {
        ["wrong dimension"] = (Replace(TestRows.Rows(0, 2), FieldColumn.FloatVector("vec", 7, new float[14])), ErrorCode.DimensionMismatch, "dimension 7"),
        ["NaN in a vector"] = (WithVectorValue(float.NaN), ErrorCode.InvalidVector, "holds NaN"),
        ["missing field"] = (Without(TestRows.Rows(0, 2), "title"), ErrorCode.FieldMismatch, "lacks field 'title'"),
        ["empty batch"] = (TestRows.Rows(0, 0), ErrorCode.EmptyBatch, "no rows"),
        ["key of another shard"] = (TestRows.Rows(0, 40), ErrorCode.InvalidArgument, "belongs to shard 1, but was sent to shard 0"),
    };

    [Theory]
    [MemberData(nameof(ClientCases))]
    public async Task Request_WhenInputIsBad_FailsWithItsCodeAndWritesNothing(string name)
    {
        var ct = TestContext.Current.CancellationToken;
        var (call, code, names) = Cases[name];
        var before = await fixture.Cluster.ReadAllAsync();

        var error = await Assert.ThrowsAsync<MilvusException>(() => call(fixture.Cluster.Client, fixture.StaleClient, ct));

        Assert.Equal(code, error.Code);
        Assert.Contains(names, error.Message, StringComparison.Ordinal);
        Assert.Equal(before.Count, (await fixture.Cluster.ReadAllAsync()).Count);
        Assert.Equal(2, fixture.Cluster.Cluster.GetActiveSilos().Count());
    }

    [Fact]
    public void Cases_WhenCounted_AreAtLeastSixty() => Assert.True(Cases.Count + ServerRows.Count >= 60, $"{Cases.Count + ServerRows.Count} cases");

    [Theory]
    [MemberData(nameof(ServerCases))]
    public async Task VChannelInsert_WhenBatchIsBad_FailsWithItsCodeAndWritesNothing(string name)
    {
        var ct = TestContext.Current.CancellationToken;
        var (rows, code, names) = ServerRows[name];
        var good = await fixture.Cluster.Client.DescribeCollectionAsync("good", ct);
        var before = await fixture.Cluster.ReadAllAsync();

        var shard0 = fixture.Cluster.Cluster.Client.GetGrain<IVChannelGrain>(good.VChannels[0]);
        var error = await Assert.ThrowsAsync<MilvusException>(() => shard0.InsertAsync(good.Id, Names.DefaultPartition, rows, Guid.NewGuid()));

        Assert.Equal(code, error.Code);
        Assert.Contains(names, error.Message, StringComparison.Ordinal);
        Assert.Equal(before.Count, (await fixture.Cluster.ReadAllAsync()).Count);
    }

    private static float[][] Vectors(int count) => [.. Enumerable.Range(0, count).Select(_ => new float[TestRows.Dimension])];

    private static RowBatch Replace(RowBatch rows, FieldColumn column) =>
        new([.. rows.Columns.Select(c => c.Name == column.Name ? column : c)]);

    private static RowBatch Without(RowBatch rows, string field) => new([.. rows.Columns.Where(c => c.Name != field)]);

    private static RowBatch WithVectorValue(float value)
    {
        var vectors = new float[2 * TestRows.Dimension];
        vectors[TestRows.Dimension + 3] = value;
        return Replace(TestRows.Rows(0, 2), FieldColumn.FloatVector("vec", TestRows.Dimension, vectors));
    }
}
