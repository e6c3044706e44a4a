using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Milvus.Orleans.Channels;
using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Benchmarks;

/// <summary>
/// Failover on real silo processes: three silos (the silo host as deployed, with its failure-detection settings)
/// sharing an in-process Garnet and a local WAL directory. Each round SIGKILLs the silo owning a pchannel and times
/// until an insert to that pchannel is acknowledged again: failure detection, rebalance, the new owner taking the
/// log, and the client's retries. Then a fresh silo replaces the dead one.
/// </summary>
internal static class ProcessFailoverBenchmark
{
    private const int Dimension = 8;

    public static async Task RunAsync(int kills, TextWriter output)
    {
        using var garnet = new EmbeddedGarnet();
        var azurite = await SharedAzurite.GetAsync();
        var wal = Directory.CreateTempSubdirectory("milvus-failover-wal-");
        var clusterId = $"failover-{Guid.NewGuid():N}";
        var silos = new List<SiloProcess>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                silos.Add(SiloProcess.Start(SiloProcess.Environment(garnet.ConnectionString, azurite.ConnectionString, clusterId, wal.FullName)));
            }

            var clientBuilder = Host.CreateApplicationBuilder();
            clientBuilder.AddMilvusClient(o => (o.RedisConnectionString, o.ClusterId) = (garnet.ConnectionString, clusterId));
            using var clientHost = clientBuilder.Build();
            await clientHost.StartAsync();
            // An insert in flight to the killed silo is lost; give each attempt 500 ms so the figure is the time the
            // pchannel takes to accept writes again, not how long a lost request is waited for.
            var client = new MilvusClient(clientHost.Services.GetRequiredService<IClusterClient>()) { AttemptTimeout = TimeSpan.FromMilliseconds(500) };
            await WaitForBalancedAsync(client, silos, TimeSpan.FromSeconds(120));
            var info = await client.CreateCollectionAsync(new CollectionSchema(
                "failover", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], CollectionSchema.MaxShards));

            var times = new List<double>();
            for (var round = 0; round < kills; round++)
            {
                var topology = await client.GetTopologyAsync();
                var binding = topology.Channels[round % topology.Channels.Count];
                var shard = info.VChannels.ToList().FindIndex(v => ChannelNames.PChannelOf(v) == binding.PChannel);
                var key = Enumerable.Range(0, 1_000_000).Select(k => (round * 1_000_000L) + k).First(k => ShardRouter.ShardOf(k, info.VChannels.Count) == shard);
                var rows = new RowBatch([FieldColumn.Int64("id", [key]), FieldColumn.FloatVector("vec", Dimension, new float[Dimension])]);
                await client.InsertAsync("failover", rows);

                var victim = silos.Single(s => s.SiloPort == binding.Silo!.Endpoint.Port);
                var clock = Stopwatch.StartNew();
                victim.Kill();
                await client.InsertAsync("failover", rows);
                times.Add(clock.Elapsed.TotalMilliseconds);
                await output.WriteLineAsync($"failover.process.kill{round + 1}_ms={Measurement.Format(times[^1])}");

                silos.Remove(victim);
                victim.Dispose();
                silos.Add(SiloProcess.Start(SiloProcess.Environment(garnet.ConnectionString, azurite.ConnectionString, clusterId, wal.FullName)));
                await WaitForBalancedAsync(client, silos, TimeSpan.FromSeconds(120));
            }

            times.Sort();
            await output.WriteLineAsync($"failover.ms={Measurement.Format(times[times.Count / 2])} (real processes, SIGKILL, median of {kills}, target < 3000)");
            await clientHost.StopAsync();
        }
        finally
        {
            foreach (var silo in silos)
            {
                silo.Dispose();
            }

            wal.Delete(recursive: true);
        }
    }

    private static async Task WaitForBalancedAsync(MilvusClient client, List<SiloProcess> silos, TimeSpan within)
    {
        var ports = silos.Select(s => s.SiloPort).ToHashSet();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var active = await client.GetSilosAsync();
                var topology = await client.GetTopologyAsync();
                var loads = topology.Channels.GroupBy(c => c.Silo?.Endpoint.Port).ToDictionary(g => g.Key ?? 0, g => g.Count());
                if (active.Count == silos.Count && loads.Keys.All(ports.Contains) && loads.Count == silos.Count && loads.Values.Max() - loads.Values.Min() <= 1)
                {
                    return;
                }
            }
            catch (Exception ex) when (TransientRetry.IsTransient(ex) || ex is TimeoutException)
            {
                // The cluster is still settling.
            }

            if (clock.Elapsed > within)
            {
                throw new TimeoutException($"The cluster did not settle on {silos.Count} silos within {within}.");
            }

            await Task.Delay(100);
        }
    }
}
