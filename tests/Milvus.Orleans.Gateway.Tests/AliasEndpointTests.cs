namespace Milvus.Orleans.Gateway.Tests;

[Collection(nameof(RestFixture))]
public sealed class AliasEndpointTests(RestFixture fixture)
{
    [Fact]
    public async Task Aliases_WhenCreatedAlteredAndDropped_NameTheCollectionOfTheMoment()
    {
        await fixture.CallAsync("collections/create", """{"collectionName":"al_old","dimension":2,"metricType":"L2"}""");
        await fixture.CallAsync("collections/create", """{"collectionName":"al_new","dimension":2,"metricType":"L2"}""");
        await fixture.CallAsync("entities/insert", """{"collectionName":"al_new","data":[{"id":7,"vector":[1,1]}]}""");

        Assert.Equal("""{"code":0,"data":{}}""", await fixture.CallAsync("aliases/create", """{"collectionName":"al_old","aliasName":"al_live"}"""));
        Assert.Equal(
            """{"code":0,"data":{"dbName":"default","collectionName":"al_old","aliasName":"al_live"}}""",
            await fixture.CallAsync("aliases/describe", """{"aliasName":"al_live"}"""));
        Assert.Equal("""{"code":0,"data":["al_live"]}""", await fixture.CallAsync("aliases/list", """{"collectionName":"al_old"}"""));
        Assert.Contains("\"aliases\":[\"al_live\"]", await fixture.CallAsync("collections/describe", """{"collectionName":"al_old"}"""), StringComparison.Ordinal);
        Assert.Equal(
            """{"code":1100,"message":"Collection 'al_old' has aliases 'al_live': drop them before the collection."}""",
            await fixture.CallAsync("collections/drop", """{"collectionName":"al_old"}"""));
        Assert.Equal(
            """{"code":1100,"message":"Alias 'al_new' is the name of a collection; an alias must not name one."}""",
            await fixture.CallAsync("aliases/create", """{"collectionName":"al_old","aliasName":"al_new"}"""));

        Assert.Equal("""{"code":0,"data":{}}""", await fixture.CallAsync("aliases/alter", """{"collectionName":"al_new","aliasName":"al_live"}"""));
        Assert.Equal(
            """{"code":0,"cost":0,"data":[{"count(*)":1}]}""",
            await fixture.CallAsync("entities/query", """{"collectionName":"al_live","filter":"","outputFields":["count(*)"],"consistencyLevel":"Strong"}"""));
        Assert.Equal("""{"code":0,"data":{}}""", await fixture.CallAsync("aliases/drop", """{"aliasName":"al_live"}"""));
        Assert.Equal(
            """{"code":1100,"message":"alias not found[database=default][alias=al_live]"}""",
            await fixture.CallAsync("aliases/describe", """{"aliasName":"al_live"}"""));
        Assert.Equal(
            """{"code":1100,"message":"alias not found[database=default][alias=al_new]"}""",
            await fixture.CallAsync("aliases/describe", """{"aliasName":"al_new"}"""));
        Assert.Equal("""{"code":1802,"message":"missing required parameters: 'aliasName'"}""", await fixture.CallAsync("aliases/create", """{"collectionName":"al_new"}"""));
    }

    [Fact]
    public async Task Rename_WhenTheNewNameIsFree_ServesTheRowsUnderIt()
    {
        await fixture.CallAsync("collections/create", """{"collectionName":"rn_before","dimension":2}""");
        await fixture.CallAsync("collections/create", """{"collectionName":"rn_taken","dimension":2}""");
        await fixture.CallAsync("entities/insert", """{"collectionName":"rn_before","data":[{"id":1,"vector":[1,0]},{"id":2,"vector":[0,1]}]}""");

        Assert.Equal(
            """{"code":1100,"message":"Collection 'rn_taken' exists already (id 0, Ready)."}""".Replace("id 0", $"id {(await fixture.Cluster.Client.DescribeCollectionAsync("rn_taken", TestContext.Current.CancellationToken)).Id}", StringComparison.Ordinal),
            await fixture.CallAsync("collections/rename", """{"collectionName":"rn_before","newCollectionName":"rn_taken"}"""));
        Assert.Equal("""{"code":0,"data":{}}""", await fixture.CallAsync("collections/rename", """{"collectionName":"rn_before","newCollectionName":"rn_after"}"""));

        Assert.Equal("""{"code":0,"data":{"has":false}}""", await fixture.CallAsync("collections/has", """{"collectionName":"rn_before"}"""));
        Assert.Equal("""{"code":0,"data":{"rowCount":2}}""", await fixture.CallAsync("collections/get_stats", """{"collectionName":"rn_after"}"""));
        Assert.Equal("""{"code":100,"message":"collection not found[collection=rn_before]"}""", await fixture.CallAsync("collections/describe", """{"collectionName":"rn_before"}"""));
        Assert.Equal("""{"code":1802,"message":"missing required parameters: 'newCollectionName'"}""", await fixture.CallAsync("collections/rename", """{"collectionName":"rn_after"}"""));
    }
}
