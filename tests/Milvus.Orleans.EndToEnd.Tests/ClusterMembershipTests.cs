using Milvus.Orleans.Grains;
using Milvus.Orleans.Testing;
namespace Milvus.Orleans.EndToEnd.Tests;

public sealed class ClusterMembershipTests
{
    [Fact]
    public async Task Cluster_WhenTheSiloHostingTheTsoStops_ConvergesToTwoActiveSilosAndCallsSucceed()
    {
        using var scope = new TestScope(TimeSpan.FromMinutes(5), TestContext.Current.CancellationToken);
        var ct = scope.Token;
        await using var run = await AppHostRun.StartAsync(scope.DataPath, ct);

        // One cluster of three, each silo's own /health Healthy (Active, Redis and Blob reachable).
        var active = await run.WaitForActiveSilosAsync(AppHostRun.Silos, TimeSpan.FromSeconds(60), ct);
        var replicas = await run.GetSiloReplicasAsync(ct);
        Assert.Equal(
            replicas.Select(r => r.SiloPort).Order(),
            active.Select(s => SiloAddress.FromParsableString(s.Address).Endpoint.Port).Order());
        foreach (var replica in replicas)
        {
            // Kestrel opens its port only after the silo joined, so a just-active silo may not answer yet.
            Assert.Equal("Healthy", await replica.WaitForHealthAsync(TimeSpan.FromSeconds(30), ct));
        }

        var before = await run.Client.AllocateTimestampAsync(ct);
        var tso = run.Orleans.GetGrain<ITsoGrain>(0);
        var tsoSilo = await run.Orleans.GetGrain<IManagementGrain>(0).GetActivationAddress(tso, ct);
        Assert.NotNull(tsoSilo);
        var victim = replicas.Single(r => r.SiloPort == tsoSilo.Endpoint.Port);

        await run.StopReplicaAsync(victim.ResourceId, ct);

        var remaining = await run.WaitForActiveSilosAsync(AppHostRun.Silos - 1, TimeSpan.FromSeconds(60), ct);
        Assert.DoesNotContain(remaining, s => SiloAddress.FromParsableString(s.Address).Endpoint.Port == victim.SiloPort);
        // The oracle moved to a surviving silo and resumed above its persisted reservation.
        var previous = before;
        for (var i = 0; i < 20; i++)
        {
            var next = await run.Client.AllocateTimestampAsync(ct);
            Assert.True(next > previous, $"{next} after {previous}");
            previous = next;
        }

        var tsoSiloAfter = await run.Orleans.GetGrain<IManagementGrain>(0).GetActivationAddress(tso, ct);
        Assert.NotNull(tsoSiloAfter);
        Assert.NotEqual(victim.SiloPort, tsoSiloAfter.Endpoint.Port);
    }
}
