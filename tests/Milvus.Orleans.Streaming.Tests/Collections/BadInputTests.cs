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
        ["existing collection"] = ((c, _, ct) => c.CreateCollectionAsync(TestRows.Schema("good"), ct), ErrorCode.CollectionAlreadyExists, "'good' exists already"),
        ["delete without keys"] = ((c, _, ct) => c.DeleteAsync("good", PrimaryKeys.Of(Array.Empty<long>()), cancellationToken: ct), ErrorCode.EmptyBatch, "no primary keys"),
        ["delete with VarChar keys"] = ((c, _, ct) => c.DeleteAsync("good", PrimaryKeys.Of("a"), cancellationToken: ct), ErrorCode.TypeMismatch, "'id' is Int64 but the keys are VarChar"),
        ["drop the default partition"] = ((c, _, ct) => c.DropPartitionAsync("good", "_default", ct), ErrorCode.InvalidArgument, "default partition '_default' cannot be dropped"),
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
    }

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
