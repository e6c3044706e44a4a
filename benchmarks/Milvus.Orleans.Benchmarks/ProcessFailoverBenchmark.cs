using System.Diagnostics;
using System.Globalization;
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
        var wal = Directory.CreateTempSubdirectory("milvus-failover-wal-");
        var clusterId = $"failover-{Guid.NewGuid():N}";
        var silos = new List<SiloProcess>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                silos.Add(SiloProcess.Start(garnet.ConnectionString, clusterId, wal.FullName));
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
                silos.Add(SiloProcess.Start(garnet.ConnectionString, clusterId, wal.FullName));
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

    /// <summary>One silo host process, configured the way the AppHost configures it.</summary>
    private sealed class SiloProcess : IDisposable
    {
        private readonly Process _process;

        private SiloProcess(Process process, int siloPort)
        {
            _process = process;
            SiloPort = siloPort;
        }

        public int SiloPort { get; }

        public static SiloProcess Start(string redis, string clusterId, string walPath)
        {
            var siloPort = LoopbackPorts.Free();
            var start = new ProcessStartInfo("dotnet", [SiloAssemblyPath()])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment =
                {
                    ["ConnectionStrings__redis"] = redis,
                    ["ConnectionStrings__blobs"] = "UseDevelopmentStorage=true",
                    ["Orleans__Clustering__ProviderType"] = "Redis",
                    ["Orleans__Clustering__ServiceKey"] = "redis",
                    ["Orleans__GrainStorage__Default__ProviderType"] = "Redis",
                    ["Orleans__GrainStorage__Default__ServiceKey"] = "redis",
                    ["Orleans__GrainStorage__PubSubStore__ProviderType"] = "Redis",
                    ["Orleans__GrainStorage__PubSubStore__ServiceKey"] = "redis",
                    ["Orleans__ClusterId"] = clusterId,
                    ["Orleans__ServiceId"] = MilvusClientOptions.DefaultServiceId,
                    ["Orleans__Endpoints__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
                    ["Orleans__Endpoints__GatewayPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
                    ["Orleans__Endpoints__AdvertisedIPAddress"] = "127.0.0.1",
                    ["Milvus__Wal__Path"] = walPath,
                    ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                },
            };
            var process = Process.Start(start)!;
            // Drain the pipes so the silo never blocks on a full one.
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return new SiloProcess(process, siloPort);
        }

        /// <summary>The silo host built in this benchmark's configuration (bin/{Configuration}/{framework}).</summary>
        private static string SiloAssemblyPath()
        {
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            return Path.Combine(AzuriteServer.RepositoryRoot(), "src", "Milvus.Orleans.Silo", "bin", output.Parent!.Name, output.Name, "Milvus.Orleans.Silo.dll");
        }

        /// <summary>SIGKILL: no shutdown, no goodbye to the cluster.</summary>
        public void Kill() => _process.Kill(entireProcessTree: true);

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }
    }
}
