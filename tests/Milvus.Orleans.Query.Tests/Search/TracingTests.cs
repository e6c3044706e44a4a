using System.Collections.Concurrent;
using System.Diagnostics;
using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Query.Tests.Search;

/// <summary>What the dashboard shows of a search: one trace from the SDK's span through the delegators to the query nodes.</summary>
public sealed class TracingTests : IAsyncLifetime
{
    private InProcessMilvusCluster _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await InProcessMilvusCluster.StartAsync(
        2, new Dictionary<string, string?> { ["Milvus:Streaming:PChannels"] = "4", ["Milvus:Query:Nodes"] = "2" });

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task SearchAsync_OfSealedSegments_TracesTheSdkSpanThroughDelegatorsToQueryNodes()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        await client.CreateCollectionAsync(new CollectionSchema("traced", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", 4)], ShardCount: 2), ct);
        await client.InsertAsync("traced", new RowBatch([FieldColumn.Int64("id", [.. Enumerable.Range(0, 100).Select(i => (long)i)]), FieldColumn.FloatVector("vec", 4, [.. Enumerable.Range(0, 400).Select(i => (float)i)])]), cancellationToken: ct);
        await client.FlushAsync("traced", ct);
        await client.LoadCollectionAsync("traced", ct);
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Milvus.Orleans" or "Microsoft.Orleans.Runtime" or "Microsoft.Orleans.Application",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);

        await client.SearchAsync("traced", [[1, 2, 3, 4]], 3, cancellationToken: ct);
        await Task.Delay(200, ct);

        var root = Assert.Single(spans, s => s.DisplayName == "search traced");
        var trace = spans.Where(s => s.TraceId == root.TraceId).ToArray();
        var delegatorCalls = trace.Where(s => s.DisplayName.Contains("IQueryDelegatorGrain/SearchAsync", StringComparison.Ordinal)).ToArray();
        var nodeCalls = trace.Where(s => s.DisplayName.Contains("IQueryNodeGrain/SearchAsync", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(delegatorCalls);
        Assert.NotEmpty(nodeCalls);
        // Each node call descends from a delegator call of the same trace.
        var byId = trace.ToDictionary(s => s.SpanId);
        Assert.All(nodeCalls, node =>
        {
            var ancestors = new List<string>();
            for (var parent = node.ParentSpanId; byId.TryGetValue(parent, out var span); parent = span.ParentSpanId)
            {
                ancestors.Add(span.DisplayName);
            }

            Assert.Contains(ancestors, a => a.Contains("IQueryDelegatorGrain/SearchAsync", StringComparison.Ordinal));
            Assert.Contains("search traced", ancestors);
        });
    }
}
