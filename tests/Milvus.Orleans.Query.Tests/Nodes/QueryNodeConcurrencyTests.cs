using Milvus.Orleans.Data;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Query.Tests.Nodes;

/// <summary>
/// One query node under searches, deletes and a segment released and loaded again, all at once: its turns only
/// route, so these run concurrently, and each answer must still equal the exact oracle at its read timestamp.
/// </summary>
public sealed class QueryNodeConcurrencyTests : IAsyncLifetime
{
    private const int Dimension = 8;
    private const int TopK = 5;
    private const int Deletes = 60;
    private const long Node = 900;
    private InProcessMilvusCluster _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await InProcessMilvusCluster.StartAsync(
        1, new Dictionary<string, string?> { ["Milvus:Query:IndexMinRows"] = "400" });

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task SearchAsync_WithDeletesAndASegmentReleasedAndLoadedMeanwhile_EqualsTheExactOracleAtItsTimestamp()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        var random = new Random(41);
        var info = await client.CreateCollectionAsync(new CollectionSchema("storm", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], ShardCount: 1), ct);
        var vchannel = info.VChannels[0];
        var partition = info.PartitionId(Names.DefaultPartition)!.Value;
        var live = new Dictionary<long, float[]>();
        var segments = new List<SegmentRef>();
        for (var part = 0; part < 3; part++)
        {
            var keys = Enumerable.Range(part * 500, 500).Select(i => (long)i).ToArray();
            var vectors = keys.Select(_ => RandomVector(random)).ToArray();
            await client.InsertAsync("storm", new RowBatch([FieldColumn.Int64("id", keys), FieldColumn.FloatVector("vec", Dimension, [.. vectors.SelectMany(v => v)])]), cancellationToken: ct);
            segments.AddRange((await client.FlushAsync("storm", ct)).SegmentIds.Select(id => new SegmentRef(partition, id)));
            for (var i = 0; i < keys.Length; i++)
            {
                live[keys[i]] = vectors[i];
            }
        }

        var written = (long)(await client.AllocateTimestampAsync(ct)).Value;
        var node = _cluster.SiloGrains.GetGrain<IQueryNodeGrain>(Node);
        await node.LoadAsync(vchannel, info.Schema, segments);
        await node.WaitIndexedAsync(vchannel);
        long[] deleted = [.. Enumerable.Range(0, Deletes).Select(i => (long)(i * 23 % live.Count))];
        var queries = Enumerable.Range(0, 16).Select(_ => RandomVector(random)).ToArray();
        // Deletes arrive one per request, each at the next timestamp after every row. The first before the storm:
        // a request from position 0 brings a delegator's whole list, so only the deleter sends one.
        await DeleteAsync(0);
        var applied = 1;
        var storming = true;
        var deleter = Task.Run(
            async () =>
            {
                for (var i = 1; i < Deletes; i++)
                {
                    await DeleteAsync(i);
                    Volatile.Write(ref applied, i + 1);
                }
            },
            ct);
        // The last segment leaves and comes back, its graph read from beside it, while searches hold it; after each
        // return, ten searches are answered before it leaves again.
        var handOffs = 0;
        using var answers = new SemaphoreSlim(0);
        var releaser = Task.Run(
            async () =>
            {
                while (Volatile.Read(ref storming))
                {
                    for (var i = 0; i < 10 && Volatile.Read(ref storming); i++)
                    {
                        await answers.WaitAsync(TimeSpan.FromSeconds(1), ct);
                    }

                    await node.ReleaseAsync(vchannel, [segments[2].SegmentId]);
                    await node.LoadAsync(vchannel, info.Schema, [segments[2]]);
                    await node.WaitIndexedAsync(vchannel);
                    Interlocked.Increment(ref handOffs);
                }
            },
            ct);
        var mismatches = new List<string>();
        var answered = 0;
        var notHeld = 0;
        var searchers = Enumerable.Range(0, 4).Select(worker => Task.Run(
            async () =>
            {
                // Until every delete is in, 200 answers and 3 hand-offs (or 5,000 tries each, so the test ends).
                for (var i = worker; i < 20_000 && (!deleter.IsCompleted || Volatile.Read(ref answered) < 200 || Volatile.Read(ref handOffs) < 3); i += 4)
                {
                    var known = Volatile.Read(ref applied);
                    var query = queries[i % queries.Length];
                    var request = new NodeSearch(
                        vchannel, [.. segments.Select(s => s.SegmentId)], Request(info.Id, query), written + known, new ShardDeletes("storm", known, PrimaryKeys.Of(Array.Empty<long>()), []));
                    try
                    {
                        var hits = (long[])(await node.SearchAsync(request))[0].Rows.Column("id")!.Values;
                        var hidden = deleted[..known].ToHashSet();
                        var expected = SearchOracle.Nearest(live.Where(r => !hidden.Contains(r.Key)).ToDictionary(), query, MetricType.L2, TopK).Select(e => e.Key).ToArray();
                        Interlocked.Increment(ref answered);
                        answers.Release();
                        if (!hits.SequenceEqual(expected))
                        {
                            lock (mismatches)
                            {
                                mismatches.Add($"query {i % queries.Length} after {known} deletes: [{string.Join(", ", hits)}], expected [{string.Join(", ", expected)}]");
                            }
                        }
                    }
                    catch (MilvusException ex) when (ex.Code == ErrorCode.SegmentNotLoaded)
                    {
                        // The last segment was away at that moment: the delegator would load it and ask again.
                        Interlocked.Increment(ref notHeld);
                        await node.WaitIndexedAsync(vchannel);
                    }
                }
            },
            ct)).ToArray();

        await Task.WhenAll([deleter, .. searchers]);
        Volatile.Write(ref storming, false);
        await releaser;

        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {answered} answers differ from the oracle; the first three:\n{string.Join('\n', mismatches.Take(3))}");
        Assert.Equal(Deletes, applied);
        Assert.True(answered >= 200 && handOffs >= 3, $"{answered} searches answered, {notHeld} refused while the segment was away, {handOffs} hand-offs");

        Task DeleteAsync(int i) => node.SearchAsync(new NodeSearch(
            vchannel, [segments[0].SegmentId], Request(info.Id, queries[0]), written, new ShardDeletes("storm", i, PrimaryKeys.Of([deleted[i]]), [written + i + 1])));
    }

    /// <summary>A top-5 search broad enough (ef 1,000 over 500-row graphs) that the graph walk reaches every row: its answer is exact.</summary>
    private static SearchRequest Request(long collectionId, float[] query) => new(collectionId, "vec", query, TopK, null, [], default, Ef: 1_000);

    private static float[] RandomVector(Random random) => [.. Enumerable.Range(0, Dimension).Select(_ => random.NextSingle())];
}
