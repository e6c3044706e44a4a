namespace Milvus.Orleans.Gateway.Tests;

[Collection(nameof(RestFixture))]
public sealed class CollectionEndpointTests(RestFixture fixture)
{
    [Fact]
    public async Task Create_WhenQuickSetup_MakesAnIdAndAVectorFieldWithADynamicFieldAndLoads()
    {
        Assert.Equal("""{"code":0,"data":{}}""", await fixture.CallAsync("collections/create", """{"collectionName":"quick","dimension":4,"metricType":"L2"}"""));

        var id = (await fixture.Cluster.Client.DescribeCollectionAsync("quick", TestContext.Current.CancellationToken)).Id;
        Assert.Equal(
            $$$"""{"code":0,"data":{"collectionName":"quick","collectionID":{{{id}}},"description":"","autoId":false,"fields":[{"name":"id","id":100,"type":"Int64","primaryKey":true,"partitionKey":false,"autoId":false,"description":"","params":[]},{"name":"vector","id":101,"type":"FloatVector","primaryKey":false,"partitionKey":false,"autoId":false,"description":"","params":[{"key":"dim","value":"4"}]}],"indexes":[{"indexName":"vector","fieldName":"vector","metricType":"L2"}],"load":"LoadStateLoaded","shardsNum":1,"partitionsNum":1,"consistencyLevel":"Bounded","enableDynamicField":true,"properties":[],"aliases":[]}}""",
            await fixture.CallAsync("collections/describe", """{"collectionName":"quick"}"""));
    }

    [Fact]
    public async Task Create_WhenAFullSchemaHasNoIndexParams_IsNotLoadedUntilIndexedAndLoadedAndReleaseUnloadsIt()
    {
        const string create = """
            {"collectionName":"full","schema":{"autoID":false,"enableDynamicField":false,"fields":[
              {"fieldName":"pk","dataType":"VarChar","isPrimary":true,"elementTypeParams":{"max_length":16}},
              {"fieldName":"flag","dataType":"Bool"},{"fieldName":"small","dataType":"Int32"},{"fieldName":"big","dataType":"Int64"},
              {"fieldName":"ratio","dataType":"Float"},{"fieldName":"precise","dataType":"Double"},{"fieldName":"doc","dataType":"JSON"},
              {"fieldName":"embedding","dataType":"FloatVector","elementTypeParams":{"dim":"2"}}]}}
            """;
        Assert.Equal("""{"code":0,"data":{}}""", await fixture.CallAsync("collections/create", create));
        const string search = """{"collectionName":"full","data":[[1,0]],"limit":1}""";
        Assert.Equal("""{"code":101,"message":"collection not loaded[collection=full]: load it first (collections/load)"}""", await fixture.CallAsync("entities/search", search));

        Assert.Equal("""{"code":0,"data":{"loadState":"LoadStateNotLoad"}}""", await fixture.CallAsync("collections/get_load_state", """{"collectionName":"full"}"""));
        Assert.Equal(
            """{"code":700,"message":"index not found[collection=full]: vector field 'embedding' has no index; create one first"}""",
            await fixture.CallAsync("collections/load", """{"collectionName":"full"}"""));

        Assert.Equal("""{"code":0,"data":{}}""", await fixture.CallAsync("indexes/create", """{"collectionName":"full","indexParams":[{"fieldName":"embedding","metricType":"COSINE"}]}"""));
        Assert.Equal("""{"code":0,"data":{}}""", await fixture.CallAsync("collections/load", """{"collectionName":"full"}"""));
        Assert.Equal(
            """{"code":0,"data":{"loadState":"LoadStateLoaded","loadProgress":100}}""",
            await fixture.CallAsync("collections/get_load_state", """{"collectionName":"full","partitionNames":["_default"]}"""));
        Assert.Equal(
            """{"code":200,"message":"partition not found[partition=p9]"}""",
            await fixture.CallAsync("collections/get_load_state", """{"collectionName":"full","partitionNames":["p9"]}"""));
        Assert.Equal(
            """{"code":0,"data":{"insertCount":1,"insertIds":["a"]}}""",
            await fixture.CallAsync("entities/insert", """{"collectionName":"full","data":[{"pk":"a","flag":true,"small":-7,"big":9007199254740993,"ratio":1.5,"precise":0.1,"doc":{"k":[1,2]},"embedding":[0.5,-2]}]}"""));
        Assert.Equal(
            """{"code":0,"cost":0,"data":[{"pk":"a","flag":true,"small":-7,"big":9007199254740993,"ratio":1.5,"precise":0.1,"doc":{"k":[1,2]},"embedding":[0.5,-2]}]}""",
            await fixture.CallAsync("entities/query", """{"collectionName":"full","filter":"small < 0","consistencyLevel":"Strong"}"""));

        Assert.Equal("""{"code":0,"data":{}}""", await fixture.CallAsync("collections/release", """{"collectionName":"full"}"""));
        Assert.Contains("\"load\":\"LoadStateNotLoad\"", await fixture.CallAsync("collections/describe", """{"collectionName":"full"}"""), StringComparison.Ordinal);
        Assert.Equal("""{"code":101,"message":"collection not loaded[collection=full]: load it first (collections/load)"}""", await fixture.CallAsync("entities/search", search));
    }

    [Fact]
    public async Task Create_WhenParamsGiveATtl_KeepsItAsTheCollectionsPropertyAndRefusesANegativeOne()
    {
        Assert.Equal(
            """{"code":1100,"message":"'params.ttlSeconds' is -1: allowed 0..315360000"}""",
            await fixture.CallAsync("collections/create", """{"collectionName":"aging","dimension":2,"params":{"ttlSeconds":-1}}"""));
        Assert.Equal("""{"code":0,"data":{}}""", await fixture.CallAsync("collections/create", """{"collectionName":"aging","dimension":2,"params":{"ttlSeconds":3600}}"""));
        await fixture.CallAsync("entities/insert", """{"collectionName":"aging","data":[{"id":1,"vector":[1,0]}]}""");

        Assert.Contains(
            "\"properties\":[{\"key\":\"collection.ttl.seconds\",\"value\":\"3600\"}]",
            await fixture.CallAsync("collections/describe", """{"collectionName":"aging"}"""),
            StringComparison.Ordinal);
        Assert.Equal("""{"code":0,"data":{"rowCount":1}}""", await fixture.CallAsync("collections/get_stats", """{"collectionName":"aging"}"""));
    }

    [Fact]
    public async Task Create_WhenTheCollectionExists_SucceedsWithTheSameSchemaAndIsRefusedWithAnother()
    {
        await fixture.CallAsync("collections/create", """{"collectionName":"twice","dimension":3}""");

        Assert.Equal("""{"code":0,"data":{}}""", await fixture.CallAsync("collections/create", """{"collectionName":"twice","dimension":3}"""));
        Assert.Equal(
            """{"code":1100,"message":"collection 'twice' exists already with another schema; drop it first or choose another name"}""",
            await fixture.CallAsync("collections/create", """{"collectionName":"twice","dimension":4}"""));
    }

    [Fact]
    public async Task HasListDrop_WhenACollectionComesAndGoes_AnswerWhatExists()
    {
        await fixture.CallAsync("collections/create", """{"collectionName":"passing","dimension":2}""");
        Assert.Equal("""{"code":0,"data":{"has":true}}""", await fixture.CallAsync("collections/has", """{"collectionName":"passing"}"""));
        Assert.Contains("\"passing\"", await fixture.CallAsync("collections/list", "{}"), StringComparison.Ordinal);

        Assert.Equal("""{"code":0,"data":{}}""", await fixture.CallAsync("collections/drop", """{"collectionName":"passing"}"""));
        Assert.Equal("""{"code":0,"data":{"has":false}}""", await fixture.CallAsync("collections/has", """{"collectionName":"passing"}"""));
        Assert.DoesNotContain("\"passing\"", await fixture.CallAsync("collections/list", ""), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Partitions_WhenCreatedAndDropped_AreListedAndFoundThenGone()
    {
        await fixture.CallAsync("collections/create", """{"collectionName":"parted","dimension":2,"metricType":"L2"}""");
        Assert.Equal("""{"code":0,"data":{}}""", await fixture.CallAsync("partitions/create", """{"collectionName":"parted","partitionName":"p2024"}"""));
        Assert.Equal("""{"code":0,"data":["_default","p2024"]}""", await fixture.CallAsync("partitions/list", """{"collectionName":"parted"}"""));
        Assert.Equal("""{"code":0,"data":{"has":true}}""", await fixture.CallAsync("partitions/has", """{"collectionName":"parted","partitionName":"p2024"}"""));

        Assert.Equal(
            """{"code":0,"data":{"insertCount":2,"insertIds":[1,2]}}""",
            await fixture.CallAsync("entities/insert", """{"collectionName":"parted","partitionName":"p2024","data":[{"id":1,"vector":[1,0]},{"id":2,"vector":[0,1]}]}"""));
        await fixture.CallAsync("entities/insert", """{"collectionName":"parted","data":[{"id":3,"vector":[1,1]}]}""");
        Assert.Equal(
            """{"code":0,"cost":0,"data":[{"id":1},{"id":2}]}""",
            await fixture.CallAsync("entities/query", """{"collectionName":"parted","partitionNames":["p2024"],"outputFields":[],"consistencyLevel":"Strong"}"""));
        Assert.Equal(
            """{"code":0,"cost":0,"data":[{"count(*)":1}]}""",
            await fixture.CallAsync("entities/query", """{"collectionName":"parted","partitionNames":["_default"],"outputFields":["count(*)"],"consistencyLevel":"Strong"}"""));
        Assert.Equal("""{"code":0,"data":{"rowCount":2}}""", await fixture.CallAsync("partitions/get_stats", """{"collectionName":"parted","partitionName":"p2024"}"""));
        Assert.Equal(
            """{"code":0,"cost":0,"data":[{"id":3,"distance":0}],"topks":[1]}""",
            await fixture.CallAsync("entities/search", """{"collectionName":"parted","partitionNames":["_default"],"data":[[1,1]],"limit":3,"consistencyLevel":"Strong"}"""));

        Assert.Equal("""{"code":0,"data":{}}""", await fixture.CallAsync("partitions/drop", """{"collectionName":"parted","partitionName":"p2024"}"""));
        Assert.Equal("""{"code":0,"data":{"has":false}}""", await fixture.CallAsync("partitions/has", """{"collectionName":"parted","partitionName":"p2024"}"""));
    }

    [Fact]
    public async Task PartitionsLoadRelease_WhenSomeOrAllAreNamed_LoadTheCollectionAndReleaseItOnlyWhole()
    {
        await fixture.CallAsync("collections/create", """{"collectionName":"pl","dimension":2}""");
        await fixture.CallAsync("partitions/create", """{"collectionName":"pl","partitionName":"recent"}""");
        await fixture.CallAsync("collections/release", """{"collectionName":"pl"}""");

        Assert.Equal("""{"code":0,"data":{}}""", await fixture.CallAsync("partitions/load", """{"collectionName":"pl","partitionNames":["recent"]}"""));
        Assert.Equal("""{"code":0,"data":{"loadState":"LoadStateLoaded","loadProgress":100}}""", await fixture.CallAsync("collections/get_load_state", """{"collectionName":"pl"}"""));
        Assert.Equal(
            """{"code":1100,"message":"a collection loads and releases as a whole here: partition '_default' would stay loaded; release every partition (or the collection)"}""",
            await fixture.CallAsync("partitions/release", """{"collectionName":"pl","partitionNames":["recent"]}"""));
        Assert.Equal("""{"code":200,"message":"partition not found[partition=old]"}""", await fixture.CallAsync("partitions/load", """{"collectionName":"pl","partitionNames":["old"]}"""));
        Assert.Equal("""{"code":1802,"message":"missing required parameters: 'partitionNames'"}""", await fixture.CallAsync("partitions/release", """{"collectionName":"pl"}"""));
        Assert.Equal("""{"code":0,"data":{}}""", await fixture.CallAsync("partitions/release", """{"collectionName":"pl","partitionNames":["_default","recent"]}"""));
        Assert.Equal("""{"code":0,"data":{"loadState":"LoadStateNotLoad"}}""", await fixture.CallAsync("collections/get_load_state", """{"collectionName":"pl"}"""));
    }
}

[CollectionDefinition(nameof(RestFixture))]
public sealed class RestFixtureDefinition : ICollectionFixture<RestFixture>;
