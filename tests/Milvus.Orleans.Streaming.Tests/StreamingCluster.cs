using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Milvus.Orleans.Client;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Streaming.Wal;
using Milvus.Orleans.Testing;
using Milvus.Orleans.Wal.Storage;
using Orleans.Configuration;
using Orleans.TestingHost;
using StackExchange.Redis;

namespace Milvus.Orleans.Streaming.Tests;

/// <summary>
/// Silos in this process sharing what a real deployment shares: grain state in a real Garnet (so it outlives
/// killed silos) and the local WAL in one directory. Failure detection is tuned to a couple of seconds.
/// </summary>
internal sealed class StreamingCluster : IAsyncDisposable
{
    private readonly EmbeddedGarnet _garnet;
    private readonly DirectoryInfo _wal;

    private StreamingCluster(EmbeddedGarnet garnet, DirectoryInfo wal, InProcessTestCluster cluster)
    {
        _garnet = garnet;
        _wal = wal;
        Cluster = cluster;
        Client = new MilvusClient(cluster.Client);
    }

    public InProcessTestCluster Cluster { get; }

    public MilvusClient Client { get; }

    public static async Task<StreamingCluster> StartAsync(
        short silos, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var garnet = new EmbeddedGarnet();
        var wal = Directory.CreateTempSubdirectory("milvus-streaming-wal-");
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Milvus:Wal:Path"] = wal.FullName, ["Milvus:Streaming:PChannels"] = "8" })
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddRedisGrainStorageAsDefault(o => o.ConfigurationOptions = ConfigurationOptions.Parse(garnet.ConnectionString));
            silo.AddMilvusStreaming(configuration);
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromMilliseconds(500);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
            });
            services?.Invoke(silo.Services);
        });
        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            await cluster.DisposeAsync();
            garnet.Dispose();
            throw;
        }

        return new StreamingCluster(garnet, wal, cluster);
    }

    /// <summary>Opens <paramref name="pchannel"/>'s log as another silo would, with <paramref name="term"/>.</summary>
    public async Task<IWalWriter> OpenWalAsync(string pchannel, long term) =>
        await new LocalWalStorage(new LocalWalOptions { Path = _wal.FullName }).OpenWriterAsync(pchannel, term, TestContext.Current.CancellationToken);

    /// <summary>Every message of <paramref name="pchannel"/>'s log, read from storage as a recovering owner would.</summary>
    public async Task<List<LoggedMessage>> ReadLogAsync(string pchannel)
    {
        var codec = Cluster.Silos[0].ServiceProvider.GetRequiredService<MessageCodec>();
        var storage = new LocalWalStorage(new LocalWalOptions { Path = _wal.FullName });
        var messages = new List<LoggedMessage>();
        if (!Directory.Exists(Path.Combine(_wal.FullName, pchannel)))
        {
            return messages;
        }

        await foreach (var record in storage.ReadAsync(pchannel, WalPosition.Start, follow: false, TestContext.Current.CancellationToken))
        {
            messages.Add(codec.Decode(record));
        }

        return messages;
    }

    /// <summary>Every message of every pchannel except time ticks.</summary>
    public async Task<List<LoggedMessage>> ReadAllAsync()
    {
        var topology = await Client.GetTopologyAsync(TestContext.Current.CancellationToken);
        var all = new List<LoggedMessage>();
        foreach (var binding in topology.Channels)
        {
            all.AddRange((await ReadLogAsync(binding.PChannel)).Where(m => m.Message.Kind != MessageKind.TimeTick));
        }

        return all;
    }

    /// <summary>Waits until every pchannel is bound to an active silo of the cluster.</summary>
    public async Task<ChannelTopology> WaitForBalancedAsync(int silos, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var topology = await Client.GetTopologyAsync(TestContext.Current.CancellationToken);
            var active = Cluster.GetActiveSilos().Select(s => s.SiloAddress).ToHashSet();
            var loads = topology.Channels.GroupBy(c => c.Silo).ToDictionary(g => g.Key!, g => g.Count());
            if (active.Count == silos && topology.Channels.All(c => c.Silo is { } s && active.Contains(s))
                && loads.Count == silos && loads.Values.Max() - loads.Values.Min() <= 1)
            {
                return topology;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Topology v{topology.Version} not balanced over {silos} silos: {string.Join(", ", topology.Channels)}");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        _garnet.Dispose();
        _wal.Delete(recursive: true);
    }
}
