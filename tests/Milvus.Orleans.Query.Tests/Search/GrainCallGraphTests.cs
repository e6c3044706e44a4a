using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Query.Tests.Search;

/// <summary>
/// Which grain type calls which while a collection is written, flushed, loaded with two replicas, searched, counted,
/// released and dropped on three silos. Grain calls go one way: a call that could come back to a grain it came from
/// works only because every grain is reentrant, and deadlocks the day one is not. Calls made off a grain's turn (the
/// recovery and follower loops, the silo's channel directory) are the silo's, not a grain's, and are not edges.
/// </summary>
public sealed class GrainCallGraphTests
{
    private const int Dimension = 8;

    [Fact]
    public async Task GrainCalls_WhileACollectionIsWrittenFlushedSearchedAndDropped_NeverFormACycle()
    {
        var ct = TestContext.Current.CancellationToken;
        var calls = new GrainCalls();
        await using var cluster = await InProcessMilvusCluster.StartAsync(
            3,
            new Dictionary<string, string?> { ["Milvus:Streaming:PChannels"] = "4", ["Milvus:Query:IndexMinRows"] = "100000000", ["Milvus:Query:Nodes"] = "3" },
            services => services.AddSingleton<IOutgoingGrainCallFilter>(calls),
            ct);
        var client = cluster.Client;
        await cluster.WaitForBalancedAsync(3, TimeSpan.FromSeconds(60), ct);
        var random = new Random(23);
        var live = await OracleSearchLoop.WriteFlushedPartsAsync(client, "calls", Dimension, shards: 2, parts: 2, random, ct);
        await client.LoadCollectionAsync("calls", replicas: 2, ct);
        await client.InsertAsync("calls", new RowBatch([FieldColumn.Int64("id", [10_000]), FieldColumn.FloatVector("vec", Dimension, new float[Dimension])]), cancellationToken: ct);
        await client.DeleteAsync("calls", PrimaryKeys.Of(0L), cancellationToken: ct);
        await client.FlushAsync("calls", ct);
        var count = await client.CountAsync("calls", consistency: ConsistencyLevel.Strong, cancellationToken: ct);
        var hits = await client.SearchAsync("calls", [new float[Dimension]], 5, new SearchParameters(Consistency: ConsistencyLevel.Strong), ct);
        await client.ReleaseCollectionAsync("calls", ct);
        await client.DropCollectionAsync("calls", ct);

        var edges = calls.Edges.Keys.ToArray();
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join(Environment.NewLine, edges.Order().Select(e => $"{e.From} -> {e.To}")));
        Assert.Equal(live.Count, count);
        Assert.Equal(10_000L, ((long[])hits[0].Rows.Column("id")!.Values)[0]);
        // The calls this test is about were made (so a cycle through them would show).
        Assert.Contains(("wal", "recovery"), edges);
        Assert.Contains(("querydelegator", "querynode"), edges);
        Assert.Equal([], edges.Where(e => Reaches(edges, e.To, e.From)).Select(e => $"{e.From} -> {e.To}").Order());
    }

    /// <summary>Whether grain type <paramref name="from"/> reaches <paramref name="to"/> over <paramref name="edges"/>.</summary>
    private static bool Reaches(IReadOnlyCollection<(string From, string To)> edges, string from, string to)
    {
        var seen = new HashSet<string> { from };
        var next = new Queue<string>([from]);
        while (next.TryDequeue(out var type))
        {
            if (type == to)
            {
                return true;
            }

            foreach (var edge in edges.Where(e => e.From == type && seen.Add(e.To)))
            {
                next.Enqueue(edge.To);
            }
        }

        return false;
    }

    /// <summary>Records (caller grain type, callee grain type) of every call one grain makes to another.</summary>
    private sealed class GrainCalls : IOutgoingGrainCallFilter
    {
        public ConcurrentDictionary<(string From, string To), bool> Edges { get; } = new();

        public Task Invoke(IOutgoingGrainCallContext context)
        {
            if (context.SourceId is { } source && IsGrain(source) && IsGrain(context.TargetId) && !source.Equals(context.TargetId))
            {
                Edges.TryAdd((source.Type.ToString()!, context.TargetId.Type.ToString()!), true);
            }

            return context.Invoke();
        }

        private static bool IsGrain(GrainId id) => !id.Type.IsClient() && !id.Type.IsSystemTarget();
    }
}
