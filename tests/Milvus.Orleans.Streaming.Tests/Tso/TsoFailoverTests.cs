using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Milvus.Orleans.Grains;

namespace Milvus.Orleans.Streaming.Tests.Tso;

/// <summary>The oracle's reservation in Garnet keeps timestamps growing when its silo is killed mid-allocation.</summary>
public sealed class TsoFailoverTests() : ClusterTests(3)
{
    [Fact]
    public async Task AllocateAsync_AfterTheOraclesSiloIsKilledMidAllocation_IssuesOnlyLargerTimestamps()
    {
        var ct = TestContext.Current.CancellationToken;
        // The oracle as the service calls it: clients get one timestamp at a time (NextAsync).
        var tso = TestCluster.SiloGrains.GetGrain<ITsoGrain>(0);
        var management = TestCluster.Cluster.Client.GetGrain<IManagementGrain>(0);
        await tso.AllocateAsync(1);
        // The first silo hosts the test cluster's membership; keep the oracle off it.
        for (var i = 0; i < 20 && await management.GetActivationAddress(tso, ct) == TestCluster.Cluster.Silos[0].SiloAddress; i++)
        {
            await TestCluster.Cluster.DeactivateAsync(tso);
            await tso.AllocateAsync(1);
        }

        var host = await management.GetActivationAddress(tso, ct);
        var victim = TestCluster.Cluster.Silos.Single(s => s.SiloAddress == host);
        // Call from a silo that survives: calls through the victim's own grain factory could never be answered.
        tso = TestCluster.Cluster.Silos.First(s => s != victim).ServiceProvider.GetRequiredService<IGrainFactory>().GetGrain<ITsoGrain>(0);
        var issued = new ConcurrentBag<(long StartedAt, long DoneAt, TimestampRange Range)>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var allocators = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var started = clock.ElapsedTicks;
                try
                {
                    var range = await tso.AllocateAsync(100);
                    issued.Add((started, clock.ElapsedTicks, range));
                }
                catch (Exception ex) when (TransientRetry.IsTransient(ex) || ex is TimeoutException)
                {
                    // The oracle's silo is going: the call issued nothing.
                }
            }
        }, CancellationToken.None)).ToArray();

        await Task.Delay(500, ct);
        // Calls under way while the silo dies may still be answered by the dying activation, in any order: compare
        // what was issued before the kill began with what was asked for after it ended.
        var killStartedAt = clock.ElapsedTicks;
        await TestCluster.Cluster.KillSiloAsync(victim, ct);
        var killedAt = clock.ElapsedTicks;
        // Until the oracle answers again from another silo, a few times.
        for (var i = 0; i < 600 && issued.Count(r => r.StartedAt >= killedAt) < 20; i++)
        {
            await Task.Delay(50, ct);
        }

        await stop.CancelAsync();
        await Task.WhenAll(allocators);

        var before = issued.Where(i => i.DoneAt < killStartedAt).Select(i => i.Range).ToArray();
        var after = issued.Where(i => i.StartedAt >= killedAt).Select(i => i.Range).ToArray();
        Assert.NotEmpty(before);
        Assert.NotEmpty(after);
        Assert.True(after.Min(r => r.First) > before.Max(r => r.Last), $"{after.Min(r => r.First)} after {before.Max(r => r.Last)}");
        var all = issued.Select(i => i.Range).OrderBy(r => r.First).ToArray();
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.Last < p.Second.First), "two ranges overlap");
        Assert.NotEqual(victim.SiloAddress, await management.GetActivationAddress(tso, ct));
    }
}
