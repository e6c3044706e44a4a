using System.Diagnostics;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.EndToEnd.Tests.Rest;

/// <summary>
/// The official Milvus Node SDK (<c>@zilliz/milvus2-sdk-node</c> 3.0.6, installed from npm) and its <c>HttpClient</c>,
/// unchanged, against the REST API of the real AppHost (the secured run: authorization and TLS inside the cluster):
/// each call's reply is the one Milvus gives.
/// </summary>
[Collection(nameof(ServiceBoundaryTests.SecuredAppHost))]
public sealed class RestNodeSdkTests(ServiceBoundaryTests.SecuredAppHost host)
{
    private const string NodeSdk = "@zilliz/milvus2-sdk-node@3.0.6";

    [Fact]
    public async Task HttpClient_WhenItRunsAScriptAgainstTheAppHost_GetsMilvusRepliesForEveryCall()
    {
        using var scope = new TestScope(TimeSpan.FromMinutes(4), TestContext.Current.CancellationToken);
        var ct = scope.Token;
        var sdk = await NpmTools.EnsureInstalledAsync("milvus-node-sdk", NodeSdk, Path.Combine("node_modules", "@zilliz", "milvus2-sdk-node", "package.json"));
        await host.Run.App.ResourceNotifications.WaitForResourceHealthyAsync("rest", ct);

        var lines = await RunScriptAsync(sdk, host.Run, ct);

        Assert.Equal(
            [
                """create-quick {"code":0,"data":{}}""",
                """create-full {"code":0,"data":{}}""",
                """insert {"code":0,"data":{"insertCount":3,"insertIds":["1","2","3"]}}""",
                """flush {"code":0,"data":{}}""",
                """load {"code":0,"data":{}}""",
                """search-dynamic-filter {"code":0,"cost":0,"data":[{"id":"1","tag":"a","distance":1},{"id":"3","tag":"a","distance":4}],"topks":[2]}""",
                """search-two-queries {"code":0,"cost":0,"data":[[{"id":"3","distance":0}],[{"id":"1","distance":0}]],"topks":[1,1]}""",
                """count {"code":0,"cost":0,"data":[{"count(*)":2}]}""",
                """get {"code":0,"cost":0,"data":[{"id":"2","tag":"b"}]}""",
                """upsert {"code":0,"data":{"upsertCount":1,"upsertIds":["2"]}}""",
                """delete {"code":0,"data":{"deleteCount":1}}""",
                """query {"code":0,"cost":0,"data":[{"id":"1","tag":"a"},{"id":"2","tag":"c"}]}""",
                """stats {"code":0,"data":{"rowCount":2}}""",
                """partition-create {"code":0,"data":{}}""",
                """partition-list {"code":0,"data":["_default","p1"]}""",
                """partition-has {"code":0,"data":{"has":true}}""",
                """partition-insert {"code":0,"data":{"insertCount":1,"insertIds":["9"]}}""",
                """partition-stats {"code":0,"data":{"rowCount":1}}""",
                """partition-search {"code":0,"cost":0,"data":[{"id":"9","distance":162}],"topks":[1]}""",
                """partition-drop {"code":0,"data":{}}""",
                """full-insert {"code":0,"data":{"insertCount":2,"insertIds":["x","y"]}}""",
                """full-search {"code":0,"cost":0,"data":[{"pk":"x","rank":7,"id":"x","distance":3},{"pk":"y","rank":8,"id":"y","distance":2}],"topks":[2]}""",
                "full-describe-load \"LoadStateLoaded\"",
                """create-unindexed {"code":0,"data":{}}""",
                """load-unindexed {"code":700,"message":"index not found[collection=node_indexed]: vector field 'vec' has no index; create one first"}""",
                """index-create {"code":0,"data":{}}""",
                """index-list {"code":0,"data":["vec_hnsw"]}""",
                """index-describe-released {"code":0,"data":[{"indexName":"vec_hnsw","fieldName":"vec","indexType":"HNSW","metricType":"L2","totalRows":0,"pendingRows":0,"indexedRows":0,"indexState":"Unissued","failReason":""}]}""",
                """load-indexed {"code":0,"data":{}}""",
                """indexed-insert {"code":0,"data":{"insertCount":2,"insertIds":["1","2"]}}""",
                """indexed-flush {"code":0,"data":{}}""",
                """index-describe-built {"code":0,"data":[{"indexName":"vec_hnsw","fieldName":"vec","indexType":"HNSW","metricType":"L2","totalRows":2,"pendingRows":0,"indexedRows":2,"indexState":"Finished","failReason":""}]}""",
                """index-drop-loaded {"code":1100,"message":"Collection 'node_indexed' is loaded: release it before you drop index 'vec_hnsw'."}""",
                """alias-create {"code":0,"data":{}}""",
                """alias-describe {"code":0,"data":{"dbName":"default","collectionName":"node_full","aliasName":"node_current"}}""",
                """alias-list {"code":0,"data":["node_current"]}""",
                """alias-search {"code":0,"cost":0,"data":[{"pk":"x","id":"x","distance":3}],"topks":[1]}""",
                """alias-alter {"code":0,"data":{}}""",
                """alias-search-altered {"code":0,"cost":0,"data":[{"id":"1","distance":1}],"topks":[1]}""",
                """alias-drop {"code":0,"data":{}}""",
                """alias-describe-dropped {"code":1100,"message":"alias not found[database=default][alias=node_current]"}""",
                """release-indexed {"code":0,"data":{}}""",
                """index-drop {"code":0,"data":{}}""",
                """index-describe-dropped {"code":700,"message":"index not found[collection=node_indexed][index=vec_hnsw]"}""",
                """rename {"code":0,"data":{}}""",
                """rename-stats {"code":0,"data":{"rowCount":2}}""",
                """drop-renamed {"code":0,"data":{}}""",
                """release {"code":0,"data":{}}""",
                """load-state-released {"code":0,"data":{"loadState":"LoadStateNotLoad"}}""",
                """search-released {"code":101,"message":"collection not loaded[collection=node_quick]: load it first (collections/load)"}""",
                """describe-missing {"code":100,"message":"collection not found[collection=node_missing]"}""",
                """insert-wrong-dimension {"code":1804,"message":"row 0 field 'vec' has 3 values: the field's dimension is 2"}""",
                """drop-quick {"code":0,"data":{}}""",
                """drop-full {"code":0,"data":{}}""",
                """has {"code":0,"data":{"has":false}}""",
            ],
            lines);
    }

    private static async Task<List<string>> RunScriptAsync(string sdk, AppHostRun run, CancellationToken cancellationToken)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Rest", "milvus-node-sdk.cjs");
        var start = new ProcessStartInfo("node", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["NODE_PATH"] = Path.Combine(sdk, "node_modules");
        start.Environment["MILVUS_ENDPOINT"] = run.RestApi.GetLeftPart(UriPartial.Authority);
        start.Environment["MILVUS_TOKEN"] = AppHostRun.RootToken;
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        var lines = new List<string>();
        while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
        {
            lines.Add(line);
        }

        await process.WaitForExitAsync(cancellationToken);
        Assert.True(process.ExitCode == 0, $"node exited with {process.ExitCode}: {await errors}");
        return lines;
    }
}
