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
/// log, and the client's retries. Two clients insert at the kill: one with a 500 ms attempt timeout (how fast the
/// pchannel takes writes again) and one with the SDK's default options, as a user's program has (what a kill costs a
/// call, and whether any call surfaced an error). Then a fresh silo replaces the dead one.
/// </summary>
internal static class ProcessFailoverBenchmark
{
    private const int Dimension = 8;

    /// <param name="kills">How many silos are killed, one after another.</param>
    /// <param name="output">Where the figures go.</param>
    /// <param name="walStorage">The silos' <c>Milvus:Wal:Storage</c>; figures of another than <c>local</c> are prefixed with its name.</param>
    public static async Task RunAsync(int kills, TextWriter output, string walStorage = "local")
    {
        var figure = walStorage == "local" ? "failover" : $"{walStorage}.failover";
        using var garnet = new EmbeddedGarnet();
        // An Azurite of its own: the silo host keeps its WAL and history in fixed container names.
        await using var azurite = await AzuriteServer.StartAsync();
        var wal = Directory.CreateTempSubdirectory("milvus-failover-wal-");
        var clusterId = $"failover-{Guid.NewGuid():N}";
        var silos = new List<SiloProcess>();
        SiloProcess StartSilo()
        {
            var environment = SiloProcess.Environment(garnet.ConnectionString, azurite.ConnectionString, clusterId, wal.FullName);
            environment["Milvus__Wal__Storage"] = walStorage;
            return SiloProcess.Start(environment);
        }

        try
        {
            for (var i = 0; i < 3; i++)
            {
                silos.Add(StartSilo());
            }

            var clientBuilder = Host.CreateApplicationBuilder();
            clientBuilder.AddMilvusClient(o => (o.RedisConnectionString, o.ClusterId) = (garnet.ConnectionString, clusterId));
            using var clientHost = clientBuilder.Build();
            await clientHost.StartAsync();
            // An insert in flight to the killed silo is lost; give each attempt 500 ms so the figure is the time the
            // pchannel takes to accept writes again, not how long a lost request is waited for.
            var client = new MilvusClient(clientHost.Services.GetRequiredService<IClusterClient>()) { AttemptTimeout = TimeSpan.FromMilliseconds(500) };
            var defaultClient = clientHost.Services.GetRequiredService<MilvusClient>();
            await WaitForBalancedAsync(client, silos, TimeSpan.FromSeconds(120));
            var info = await client.CreateCollectionAsync(new CollectionSchema(
                "failover", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], CollectionSchema.MaxShards));

            var times = new List<double>();
            var defaultTimes = new List<double>();
            var defaultErrors = 0;
            for (var round = 0; round < kills; round++)
            {
                var topology = await client.GetTopologyAsync();
                var binding = topology.Channels[round % topology.Channels.Count];
                var shard = info.VChannels.ToList().FindIndex(v => ChannelNames.PChannelOf(v) == binding.PChannel);
                var keys = Enumerable.Range(0, 1_000_000).Select(k => (round * 1_000_000L) + k).Where(k => ShardRouter.ShardOf(k, info.VChannels.Count) == shard).Take(2).ToArray();
                var rows = Row(keys[0]);
                var defaultRows = Row(keys[1]);
                await client.InsertAsync("failover", rows);
                await defaultClient.InsertAsync("failover", defaultRows);

                var victim = silos.Single(s => s.SiloPort == binding.Silo!.Endpoint.Port);
                var clock = Stopwatch.StartNew();
                victim.Kill();
                var tuned = TimeAsync(() => client.InsertAsync("failover", rows), clock);
                var byDefault = TimeAsync(() => defaultClient.InsertAsync("failover", defaultRows), clock);
                times.Add((await tuned).Ms);
                var (defaultMs, error) = await byDefault;
                defaultTimes.Add(defaultMs);
                if (error is not null)
                {
                    defaultErrors++;
                    await output.WriteLineAsync($"{figure}.default_client.kill{round + 1}_error={error.GetType().Name}: {error.Message}");
                }

                await output.WriteLineAsync($"{figure}.process.kill{round + 1}_ms={Measurement.Format(times[^1])} default_client_ms={Measurement.Format(defaultMs)}");

                silos.Remove(victim);
                victim.Dispose();
                silos.Add(StartSilo());
                await WaitForBalancedAsync(client, silos, TimeSpan.FromSeconds(120));
            }

            times.Sort();
            defaultTimes.Sort();
            await output.WriteLineAsync($"{figure}.ms={Measurement.Format(times[times.Count / 2])} (real processes, SIGKILL, median of {kills}, target < 3000)");
            await output.WriteLineAsync($"{figure}.default_client.ms={Measurement.Format(defaultTimes[defaultTimes.Count / 2])} (default SDK options, median of {kills}, target < 3000)");
            await output.WriteLineAsync($"{figure}.default_client.errors={defaultErrors}");
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

    private static RowBatch Row(long key) => new([FieldColumn.Int64("id", [key]), FieldColumn.FloatVector("vec", Dimension, new float[Dimension])]);

    /// <summary>When <paramref name="insert"/> ended, on <paramref name="clock"/>, and what it threw, if anything.</summary>
    private static async Task<(double Ms, Exception? Error)> TimeAsync(Func<Task> insert, Stopwatch clock)
    {
        try
        {
            await insert();
            return (clock.Elapsed.TotalMilliseconds, null);
        }
        catch (Exception ex)
        {
            return (clock.Elapsed.TotalMilliseconds, ex);
        }
    }

    internal static async Task WaitForBalancedAsync(MilvusClient client, List<SiloProcess> silos, TimeSpan within)
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
