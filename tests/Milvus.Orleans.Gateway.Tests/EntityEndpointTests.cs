namespace Milvus.Orleans.Gateway.Tests;

[Collection(nameof(RestFixture))]
public sealed class EntityEndpointTests(RestFixture fixture)
{
    private const string Rows = """
        [{"id":1,"vector":[0,0],"color":"red","size":3},{"id":2,"vector":[1,1],"color":"blue"},{"id":3,"vector":[3,0],"color":"red","size":5}]
        """;

    [Fact]
    public async Task InsertQuerySearch_WhenRowsCarryUndeclaredKeys_KeepThemInTheDynamicFieldAndFilterAndReturnThemByName()
    {
        await fixture.CallAsync("collections/create", """{"collectionName":"dynamic","dimension":2,"metricType":"L2"}""");
        Assert.Equal("""{"code":0,"data":{"insertCount":3,"insertIds":[1,2,3]}}""", await fixture.CallAsync("entities/insert", $$"""{"collectionName":"dynamic","data":{{Rows}}}"""));

        Assert.Equal(
            """{"code":0,"cost":0,"data":[{"id":1,"color":"red","size":3},{"id":3,"color":"red","size":5}]}""",
            await fixture.CallAsync("entities/query", """{"collectionName":"dynamic","filter":"color == \"red\"","outputFields":["color","size"],"consistencyLevel":"Strong"}"""));
        Assert.Equal(
            """{"code":0,"cost":0,"data":[{"id":1,"distance":1},{"id":3,"distance":4}],"topks":[2]}""",
            await fixture.CallAsync("entities/search", """{"collectionName":"dynamic","data":[[1,0]],"filter":"color == \"red\"","limit":5,"consistencyLevel":"Strong"}"""));
        Assert.Equal(
            """{"code":0,"cost":0,"data":[{"count(*)":1}]}""",
            await fixture.CallAsync("entities/query", """{"collectionName":"dynamic","filter":"size > 3","outputFields":["count(*)"],"consistencyLevel":"Strong"}"""));
        Assert.Equal(
            """{"code":0,"cost":0,"data":[{"id":2,"vector":[1,1],"color":"blue"}]}""",
            await fixture.CallAsync("entities/get", """{"collectionName":"dynamic","id":2}"""));
    }

    [Fact]
    public async Task SearchAndGet_WhenSeveralQueriesAndAnOffset_ReturnEachQuerysHitsAfterTheOffsetWithTheirCounts()
    {
        await fixture.CallAsync("collections/create", """{"collectionName":"paged","dimension":2,"metricType":"L2"}""");
        await fixture.CallAsync("entities/insert", $$"""{"collectionName":"paged","data":{{Rows}}}""");

        Assert.Equal(
            """{"code":0,"cost":0,"data":[{"id":2,"color":"blue","distance":5},{"id":1,"color":"red","distance":9},{"id":2,"color":"blue","distance":4},{"id":3,"color":"red","distance":5}],"topks":[2,2]}""",
            await fixture.CallAsync("entities/search", """{"collectionName":"paged","data":[[3,0],[1,-1]],"limit":2,"offset":1,"outputFields":["color"],"consistencyLevel":"Strong"}"""));
        Assert.Equal(
            """{"code":0,"cost":0,"data":[{"id":1,"size":3},{"id":3,"size":5}]}""",
            await fixture.CallAsync("entities/get", """{"collectionName":"paged","id":[3,1],"outputFields":["size"]}"""));
    }

    [Fact]
    public async Task InsertAndGet_WhenInt64IsNotAllowed_SendIdsAndInt64ValuesAsStrings()
    {
        var asText = new Dictionary<string, string> { ["Accept-Type-Allow-Int64"] = "false" };
        await fixture.CallAsync("collections/create", """{"collectionName":"wide","dimension":2,"params":{"enableDynamicField":false}}""");
        Assert.Equal(
            """{"code":0,"data":{"insertCount":2,"insertIds":["10","9007199254740993"]}}""",
            await fixture.CallAsync("entities/insert", """{"collectionName":"wide","data":[{"id":10,"vector":[1,0]},{"id":"9007199254740993","vector":[0,1]}]}""", asText));
        Assert.Equal(
            """{"code":0,"cost":0,"data":[{"id":"9007199254740993"}]}""",
            await fixture.CallAsync("entities/get", """{"collectionName":"wide","id":["9007199254740993"],"outputFields":[]}""", asText));
        Assert.Equal(
            """{"code":0,"cost":0,"data":[{"id":9007199254740993}]}""",
            await fixture.CallAsync("entities/get", """{"collectionName":"wide","id":9007199254740993,"outputFields":[]}"""));
    }

    [Fact]
    public async Task UpsertDelete_WhenRowsAreReplacedThenDeletedByFilter_CountWhatRemains()
    {
        await fixture.CallAsync("collections/create", """{"collectionName":"changing","dimension":2}""");
        await fixture.CallAsync("entities/insert", $$"""{"collectionName":"changing","data":{{Rows}}}""");
        Assert.Equal(
            """{"code":0,"data":{"upsertCount":1,"upsertIds":[2]}}""",
            await fixture.CallAsync("entities/upsert", """{"collectionName":"changing","data":[{"id":2,"vector":[2,2],"color":"green"}]}"""));
        Assert.Equal(
            """{"code":0,"cost":0,"data":[{"id":2,"color":"green"}]}""",
            await fixture.CallAsync("entities/get", """{"collectionName":"changing","id":2,"outputFields":["color"]}"""));

        Assert.Equal("""{"code":0,"data":{"deleteCount":2}}""", await fixture.CallAsync("entities/delete", """{"collectionName":"changing","filter":"id in [1, 3]"}"""));
        Assert.Equal("""{"code":0,"data":{"rowCount":1}}""", await fixture.CallAsync("collections/get_stats", """{"collectionName":"changing"}"""));
        Assert.Equal("""{"code":0,"data":{}}""", await fixture.CallAsync("collections/flush", """{"collectionName":"changing"}"""));
        Assert.Equal("""{"code":0,"data":{"rowCount":1}}""", await fixture.CallAsync("collections/get_stats", """{"collectionName":"changing"}"""));
        Assert.Equal(
            """{"code":0,"cost":0,"data":[{"id":2,"color":"green"}]}""",
            await fixture.CallAsync("entities/query", """{"collectionName":"changing","filter":"color like \"gr%\"","outputFields":["color"]}"""));
    }

    [Fact]
    public async Task Delete_WhenAFilterNamesAPartition_DeletesOnlyTheMatchingRowsOfThatPartition()
    {
        await fixture.CallAsync("collections/create", """{"collectionName":"split","dimension":2}""");
        await fixture.CallAsync("partitions/create", """{"collectionName":"split","partitionName":"old"}""");
        await fixture.CallAsync("entities/insert", """{"collectionName":"split","data":[{"id":1,"vector":[1,0],"color":"red"},{"id":2,"vector":[0,1],"color":"blue"}]}""");
        await fixture.CallAsync("entities/insert", """{"collectionName":"split","partitionName":"old","data":[{"id":3,"vector":[1,1],"color":"red"}]}""");

        Assert.Equal(
            """{"code":0,"data":{"deleteCount":1}}""",
            await fixture.CallAsync("entities/delete", """{"collectionName":"split","partitionName":"old","filter":"color == \"red\""}"""));

        Assert.Equal(
            """{"code":0,"cost":0,"data":[{"id":1,"color":"red"},{"id":2,"color":"blue"}]}""",
            await fixture.CallAsync("entities/query", """{"collectionName":"split","filter":"id > 0","outputFields":["color"],"consistencyLevel":"Strong"}"""));
        Assert.Equal(
            """{"code":200,"message":"Collection 'split' has no partition 'gone'."}""",
            await fixture.CallAsync("entities/delete", """{"collectionName":"split","partitionName":"gone","filter":"color == \"red\""}"""));
    }
}
