using System.Diagnostics;
using Milvus.Orleans.Data;
using Milvus.Orleans.Grains;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Query.Tests.Search;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Query.Tests.Compaction;

/// <summary>Compaction through the SDK against an in-process cluster, with reads running through it.</summary>
[Collection(ExactReadsGroup.Name)]
public sealed class CompactionTests(ExactReadsCluster fixture)
{
    private const int Dimension = 8;

    /// <summary>
    /// Small flushes before the compaction: enough to load a node in several batches. The benchmark's <c>lifecycle</c>
    /// compacts 1,000; here every flush costs a suite on two cores CPU that the other tests need.
    /// </summary>
    private const int Flushes = 250;
    private readonly InProcessMilvusCluster _cluster = fixture.Cluster;

    [Fact]
    public async Task CompactAsync_AfterManySmallFlushes_LeavesOneSegmentAndSearchesMatchTheOracleBeforeDuringAndAfter()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        var random = new Random(23);
        await client.CreateCollectionAsync(new CollectionSchema("flushed", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], ShardCount: 1), ct);
        var live = new Dictionary<long, float[]>();
        var clock = Stopwatch.StartNew();
        for (var flush = 0; flush < Flushes; flush++)
        {
            var keys = Enumerable.Range(flush * 4, 4).Select(i => (long)i).ToArray();
            var vectors = keys.Select(_ => Enumerable.Range(0, Dimension).Select(_ => random.NextSingle()).ToArray()).ToArray();
            await client.InsertAsync("flushed", new RowBatch([FieldColumn.Int64("id", keys), FieldColumn.FloatVector("vec", Dimension, [.. vectors.SelectMany(v => v)])]), cancellationToken: ct);
            await client.FlushAsync("flushed", ct);
            for (var i = 0; i < keys.Length; i++)
            {
                live[keys[i]] = vectors[i];
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{Flushes} inserts and flushes: {clock.Elapsed.TotalSeconds:F1} s");
        await client.LoadCollectionAsync("flushed", ct);
        var before = await CompactionSteps.SegmentsAsync(client, "flushed", ct);
        var loop = OracleSearchLoop.Start(_cluster, "flushed", live, Dimension, random);
        await Poll.UntilAsync(() => Task.FromResult(loop.Searches), n => n >= 20, TimeSpan.FromSeconds(30), ct);

        var started = await client.CompactAsync("flushed", ct);
        var state = await Poll.UntilAsync(() => client.GetCompactionStateAsync("flushed", ct), s => s.Phase != CompactionPhase.Running, TimeSpan.FromSeconds(120), ct);
        var after = await Poll.UntilAsync(() => CompactionSteps.SegmentsAsync(client, "flushed", ct), n => n == 1, TimeSpan.FromSeconds(30), ct);
        var searchesAfterSwap = loop.Searches;
        await Poll.UntilAsync(() => Task.FromResult(loop.Searches), n => n >= searchesAfterSwap + 20, TimeSpan.FromSeconds(30), ct);
        await loop.StopAsync();
        var manifests = await new AzureBlobHistoryStore(_cluster.History).ListSegmentsAsync((await client.DescribeCollectionAsync("flushed", ct)).Id, ct).ToListAsync(ct);

        Assert.Equal(Flushes, before);
        Assert.Equal(CompactionPhase.Running, started.Phase);
        Assert.Equal((CompactionPhase.Completed, 1, 1, Flushes, 1, 0L, (string?)null), (state.Phase, state.Planned, state.Done, state.SegmentsBefore, state.SegmentsAfter, state.RowsRemoved, state.Error));
        Assert.True(state.BytesRead > 0 && state.BytesWritten > 0, $"read {state.BytesRead}, written {state.BytesWritten}");
        Assert.Equal(1, after);
        Assert.Empty(loop.Mismatches);
        Assert.Equal(loop.Expected, await loop.SearchAllAsync(client, "flushed", ct));
        Assert.Equal(Flushes * 4L, await client.CountAsync("flushed", consistency: ConsistencyLevel.Strong, cancellationToken: ct));
        var compacted = Assert.Single(manifests);
        Assert.Equal((Flushes * 4, Flushes), (compacted.Rows, compacted.CompactedFrom!.Count));
    }
}
