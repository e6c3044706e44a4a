using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Gateway.Tests;

[Collection(nameof(RestFixture))]
public sealed class IndexEndpointTests(RestFixture fixture)
{
    private const string Schema = """
        "schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":2}},{"fieldName":"tag","dataType":"Int32"}]}
        """;

    [Fact]
    public async Task CreateDescribeDrop_WhenAnHnswIndexComesAndGoes_AnswerItsParametersAndProgress()
    {
        await fixture.CallAsync("collections/create", $$"""{"collectionName":"ix",{{Schema}}}""");
        Assert.Equal("""{"code":0,"data":[]}""", await fixture.CallAsync("indexes/list", """{"collectionName":"ix"}"""));

        Assert.Equal(
            """{"code":0,"data":{}}""",
            await fixture.CallAsync("indexes/create", """{"collectionName":"ix","indexParams":[{"fieldName":"v","indexName":"v_hnsw","metricType":"L2","params":{"index_type":"HNSW","M":8,"efConstruction":"64"}}]}"""));
        Assert.Equal("""{"code":0,"data":["v_hnsw"]}""", await fixture.CallAsync("indexes/list", """{"collectionName":"ix"}"""));
        Assert.Equal(
            """{"code":0,"data":[{"indexName":"v_hnsw","fieldName":"v","indexType":"HNSW","metricType":"L2","totalRows":0,"pendingRows":0,"indexedRows":0,"indexState":"Unissued","failReason":""}]}""",
            await fixture.CallAsync("indexes/describe", """{"collectionName":"ix","indexName":"v_hnsw"}"""));
        Assert.Contains("\"indexes\":[{\"indexName\":\"v_hnsw\",\"fieldName\":\"v\",\"metricType\":\"L2\"}]", await fixture.CallAsync("collections/describe", """{"collectionName":"ix"}"""), StringComparison.Ordinal);

        await fixture.CallAsync("collections/load", """{"collectionName":"ix"}""");
        await fixture.CallAsync("entities/insert", """{"collectionName":"ix","data":[{"id":1,"v":[0,0],"tag":1},{"id":2,"v":[3,4],"tag":2},{"id":3,"v":[1,1],"tag":3}]}""");
        await fixture.CallAsync("collections/flush", """{"collectionName":"ix"}""");
        const string finished = """{"code":0,"data":[{"indexName":"v_hnsw","fieldName":"v","indexType":"HNSW","metricType":"L2","totalRows":3,"pendingRows":0,"indexedRows":3,"indexState":"Finished","failReason":""}]}""";
        Assert.Equal(
            finished,
            await Poll.UntilAsync(() => fixture.CallAsync("indexes/describe", """{"collectionName":"ix","indexName":"v_hnsw"}"""), d => d == finished, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.Equal(
            """{"code":0,"cost":0,"data":[{"id":3,"distance":2},{"id":2,"distance":25}],"topks":[2]}""",
            await fixture.CallAsync("entities/search", """{"collectionName":"ix","data":[[0,0]],"limit":3,"offset":1,"consistencyLevel":"Strong"}"""));

        Assert.Equal(
            """{"code":1100,"message":"Collection 'ix' is loaded: release it before you drop index 'v_hnsw'."}""",
            await fixture.CallAsync("indexes/drop", """{"collectionName":"ix","indexName":"v_hnsw"}"""));
        await fixture.CallAsync("collections/release", """{"collectionName":"ix"}""");
        Assert.Equal("""{"code":0,"data":{}}""", await fixture.CallAsync("indexes/drop", """{"collectionName":"ix","indexName":"v_hnsw"}"""));
        Assert.Equal("""{"code":700,"message":"index not found[collection=ix][index=v_hnsw]"}""", await fixture.CallAsync("indexes/drop", """{"collectionName":"ix","indexName":"v_hnsw"}"""));
        Assert.Equal("""{"code":700,"message":"index not found[collection=ix][index=v_hnsw]"}""", await fixture.CallAsync("indexes/describe", """{"collectionName":"ix","indexName":"v_hnsw"}"""));
    }

    [Fact]
    public async Task Create_WhenTheIndexParamsAreWrong_NamesTheProblemAndIndexesNothing()
    {
        await fixture.CallAsync("collections/create", $$"""{"collectionName":"ix_bad",{{Schema}}}""");

        Assert.Equal(
            """{"code":1100,"message":"index type 'IVF_FLAT' of field 'v' is not supported yet: use HNSW, FLAT or AUTOINDEX"}""",
            await fixture.CallAsync("indexes/create", """{"collectionName":"ix_bad","indexParams":[{"fieldName":"v","indexType":"IVF_FLAT","metricType":"L2"}]}"""));
        Assert.Equal(
            """{"code":1100,"message":"'indexParams[0].params.M' is 4096: allowed 2..2048"}""",
            await fixture.CallAsync("indexes/create", """{"collectionName":"ix_bad","indexParams":[{"fieldName":"v","indexType":"HNSW","metricType":"L2","params":{"M":4096}}]}"""));
        Assert.Equal(
            """{"code":1100,"message":"Collection 'ix_bad' has no FloatVector field 'tag' to index; only FloatVector fields are indexed."}""",
            await fixture.CallAsync("indexes/create", """{"collectionName":"ix_bad","indexParams":[{"fieldName":"tag","metricType":"L2"}]}"""));
        Assert.Equal("""{"code":1802,"message":"missing required parameters: 'indexParams'"}""", await fixture.CallAsync("indexes/create", """{"collectionName":"ix_bad"}"""));
        Assert.Equal("""{"code":1802,"message":"missing required parameters: 'indexName'"}""", await fixture.CallAsync("indexes/describe", """{"collectionName":"ix_bad"}"""));
        Assert.Equal("""{"code":0,"data":[]}""", await fixture.CallAsync("indexes/list", """{"collectionName":"ix_bad"}"""));
    }

    [Fact]
    public async Task Create_WhenAFullSchemaComesWithAFlatIndex_IsLoadedAndSearchedExactly()
    {
        Assert.Equal(
            """{"code":0,"data":{}}""",
            await fixture.CallAsync("collections/create", $$"""{"collectionName":"ix_flat",{{Schema}},"indexParams":[{"fieldName":"v","indexName":"exact","indexType":"FLAT","metricType":"IP"}]}"""));
        await fixture.CallAsync("entities/insert", """{"collectionName":"ix_flat","data":[{"id":1,"v":[1,0],"tag":1},{"id":2,"v":[2,1],"tag":2}]}""");

        Assert.Equal(
            """{"code":0,"data":[{"indexName":"exact","fieldName":"v","indexType":"FLAT","metricType":"IP","totalRows":0,"pendingRows":0,"indexedRows":0,"indexState":"Finished","failReason":""}]}""",
            await fixture.CallAsync("indexes/describe", """{"collectionName":"ix_flat","indexName":"exact"}"""));
        Assert.Equal(
            """{"code":0,"cost":0,"data":[{"id":2,"distance":2},{"id":1,"distance":1}],"topks":[2]}""",
            await fixture.CallAsync("entities/search", """{"collectionName":"ix_flat","data":[[1,0]],"limit":2,"consistencyLevel":"Strong"}"""));
    }
}
