using System.Collections.Concurrent;
using Milvus.Orleans.Client;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Streaming.Tests.Collections;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Streaming.Tests.Failover;

/// <summary>Writes and subscriptions keep their guarantees while a silo dies and another joins.</summary>
// The twin on the blob WAL runs after this class, not beside it: two clusters at once load the 2-core CI machine.
[Collection(nameof(FailoverTests))]
public class FailoverTests : ClusterTests
{
    public FailoverTests()
        : this(null)
    {
    }

    protected FailoverTests(IReadOnlyDictionary<string, string?>? settings)
        : base(3, settings)
    {
    }

    private const int Collections = 4;
    private const int Writers = 8;
    private const int RowsPerBatch = 20;
    [Fact]
    public async Task Writes_WhenASiloIsKilledAndAnotherJoins_AreDeliveredExactlyOnceInOrderWithGrowingTerms()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        var infos = new List<CollectionInfo>();
        for (var c = 0; c < Collections; c++)
        {
            infos.Add(await client.CreateCollectionAsync(TestRows.Schema($"load{c}", shards: 2), ct));
        }

        using var stopSubscribers = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var delivered = infos.SelectMany(i => i.VChannels).ToDictionary(v => v, _ => new ConcurrentQueue<LoggedMessage>());
        var subscribers = delivered.Select(d => Task.Run(async () =>
        {
            await foreach (var message in client.SubscribeAsync(d.Key, SubscriptionStart.Earliest, stopSubscribers.Token))
            {
                d.Value.Enqueue(message);
            }
        }, CancellationToken.None)).ToArray();

        using var stopSampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var topologies = new ConcurrentQueue<ChannelTopology>();
        var sampler = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested)
            {
                try
                {
                    topologies.Enqueue(await client.GetTopologyAsync(CancellationToken.None));
                }
                catch (TimeoutException)
                {
                    // A request in flight to the killed silo is lost; this sample is, too.
                }

                await Task.Delay(100, CancellationToken.None);
            }
        }, CancellationToken.None);

        var acknowledged = new ConcurrentDictionary<long, string>();
        var failedWrites = 0;
        using var stopWriters = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var collection = infos[w % Collections];
            for (long batch = 0; !stopWriters.IsCancellationRequested; batch++)
            {
                var first = (w * 1_000_000_000L) + (batch * RowsPerBatch);
                try
                {
                    await client.InsertAsync(collection.Name, TestRows.Rows(first, RowsPerBatch), cancellationToken: CancellationToken.None);
                    for (var k = first; k < first + RowsPerBatch; k++)
                    {
                        acknowledged[k] = collection.Name;
                    }
                }
                catch (Exception ex) when (TransientRetry.IsTransient(ex) || ex is TimeoutException)
                {
                    Interlocked.Increment(ref failedWrites);
                }
            }
        }, CancellationToken.None)).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(5), ct);
        var victim = TestCluster.Cluster.Silos[1];
        await TestCluster.Cluster.KillSiloAsync(victim, ct);
        await Task.Delay(TimeSpan.FromSeconds(7), ct);
        await TestCluster.Cluster.StartSilosAsync(1, ct);
        await Task.WhenAll(writers);
        var after = await TestCluster.WaitForBalancedAsync(3, TimeSpan.FromSeconds(30), ct);

        // Every acknowledged row reaches its subscriber; then a moment more for any late duplicate to show.
        var ackedByVChannel = acknowledged.Keys.GroupBy(k => VChannelOf(infos, acknowledged[k], k)).ToDictionary(g => g.Key, g => g.ToHashSet());
        if (!await Poll.UntilAsync(
            () => Task.FromResult(ackedByVChannel.All(a => a.Value.IsSubsetOf(InsertedKeys(delivered[a.Key])))), all => all, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken))
        {
            var logged = InsertedKeys(await TestCluster.ReadAllAsync()).ToHashSet();
            var report = ackedByVChannel.Select(a =>
            {
                var missing = a.Value.Except(InsertedKeys(delivered[a.Key])).ToArray();
                return $"{a.Key}: {missing.Length} missing ({missing.Count(logged.Contains)} in the log), subscriber {subscribers[delivered.Keys.ToList().IndexOf(a.Key)].Status}";
            });
            Assert.Fail("subscribers did not receive every acknowledged row: " + string.Join("; ", report)
                + string.Join(" ", subscribers.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!.GetType().Name + ": " + t.Exception.InnerException.Message)));
        }

        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        // Ticks come once a pchannel is idle: with the writers done, every subscriber gets one (later on a loaded machine).
        await Poll.UntilAsync(
            () => Task.FromResult(delivered.Values.All(d => d.Any(m => m.Message.Kind == MessageKind.TimeTick))), all => all, TimeSpan.FromSeconds(15), ct);
        await stopSubscribers.CancelAsync();
        await Task.WhenAll(subscribers.Select(s => s.ContinueWith(_ => { }, TaskScheduler.Default)));
        await stopSampling.CancelAsync();
        await sampler;

        TestContext.Current.SendDiagnosticMessage($"acknowledged {acknowledged.Count} rows, {failedWrites} writes failed after retries, topology v{after.Version}");
        Assert.True(acknowledged.Count > 2_000, $"only {acknowledged.Count} rows acknowledged");
        foreach (var (vchannel, messages) in delivered)
        {
            var keys = InsertedKeys(messages);
            var duplicates = keys.GroupBy(k => k).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
            Assert.True(duplicates.Length == 0, $"{vchannel}: {duplicates.Length} keys delivered twice, e.g. {string.Join(", ", duplicates.Take(5))}");
            Assert.Subset(keys.ToHashSet(), ackedByVChannel.GetValueOrDefault(vchannel, []));
            // Strictly increasing timestamps over messages and ticks: nothing follows a tick at or below it.
            var ts = messages.Select(m => m.Ts.Value).ToArray();
            Assert.True(ts.Zip(ts.Skip(1)).All(p => p.First < p.Second), $"{vchannel}: timestamps not strictly increasing");
            Assert.True(messages.Any(m => m.Message.Kind == MessageKind.TimeTick), $"{vchannel}: no time tick among {messages.Count} messages, the last at {messages.LastOrDefault()?.Ts}");
        }

        var live = TestCluster.Cluster.GetActiveSilos().Select(s => s.SiloAddress).ToHashSet();
        Assert.DoesNotContain(victim.SiloAddress, live);
        foreach (var binding in after.Channels)
        {
            Assert.Contains(binding.Silo!, live);
            // The log moves with its binding, but its activation on the old owner goes a moment later (on a loaded
            // machine, after the test has looked): until then it still answers with the old owner and term.
            var owner = await Poll.UntilAsync(
                () => TestCluster.Cluster.Client.GetGrain<IWalGrain>(binding.PChannel).GetStateAsync(),
                state => (state.Owner, state.Term) == (binding.Silo, binding.Term),
                TimeSpan.FromSeconds(30),
                ct);
            Assert.Equal((binding.Silo, binding.Term), (owner.Owner, owner.Term));
        }

        var samples = topologies.ToArray();
        Assert.True(samples.Zip(samples.Skip(1)).All(p => p.First.Version <= p.Second.Version), "topology version went back");
        foreach (var pchannel in after.Channels.Select(c => c.PChannel))
        {
            var terms = samples.Select(s => s.Binding(pchannel)!.Term).ToArray();
            Assert.True(terms.Zip(terms.Skip(1)).All(p => p.First <= p.Second), $"{pchannel}: term went back");
        }

        Assert.Contains(after.Channels, c => c.Term > 1);
    }

    private static List<long> InsertedKeys(IEnumerable<LoggedMessage> messages) =>
        [.. messages.Where(m => m.Message.Kind == MessageKind.Insert).SelectMany(m => TestRows.Keys(m.Message.Rows!))];

    private static string VChannelOf(List<CollectionInfo> infos, string collection, long key)
    {
        var info = infos.Single(i => i.Name == collection);
        return info.VChannels[Channels.ShardRouter.ShardOf(key, info.VChannels.Count)];
    }
}

/// <summary>The same, with the WAL in append blobs: the new owners take the logs from blob storage.</summary>
[Collection(nameof(FailoverTests))]
public sealed class FailoverOnBlobWalTests() : FailoverTests(InProcessMilvusCluster.BlobWal);
