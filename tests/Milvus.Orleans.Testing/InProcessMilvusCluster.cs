using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Milvus.Orleans.Client;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Streaming;
using Orleans.Configuration;
using Orleans.TestingHost;
using StackExchange.Redis;

namespace Milvus.Orleans.Testing;

/// <summary>
/// Silos in this process sharing what a real deployment shares: grain state in a real Garnet that outlives killed
/// silos, and the local WAL in one directory. Membership is the test cluster's in-memory table; failure detection
/// is tuned to about a second, as in the silo host.
/// </summary>
public sealed class InProcessMilvusCluster : IAsyncDisposable
{
    private readonly EmbeddedGarnet _garnet;
    private readonly DirectoryInfo _wal;

    private InProcessMilvusCluster(EmbeddedGarnet garnet, DirectoryInfo wal, InProcessTestCluster cluster)
    {
        _garnet = garnet;
        _wal = wal;
        Cluster = cluster;
        Client = new MilvusClient(cluster.Client);
    }

    /// <summary>The Orleans test cluster.</summary>
    public InProcessTestCluster Cluster { get; }

    /// <summary>A client SDK over the cluster's client.</summary>
    public MilvusClient Client { get; }

    /// <summary>The directory of the local WAL every silo shares.</summary>
    public string WalPath => _wal.FullName;

    /// <summary>
    /// Starts <paramref name="silos"/> silos with 8 pchannels (unless <paramref name="settings"/> say otherwise).
    /// </summary>
    public static async Task<InProcessMilvusCluster> StartAsync(
        short silos,
        IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null,
        CancellationToken cancellationToken = default)
    {
        var garnet = new EmbeddedGarnet();
        var wal = Directory.CreateTempSubdirectory("milvus-streaming-wal-");
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Milvus:Wal:Path"] = wal.FullName, ["Milvus:Streaming:PChannels"] = "8" })
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();
        var redis = ConfigurationOptions.Parse(garnet.ConnectionString);
        var builder = new InProcessTestClusterBuilder(silos);
        if (Environment.GetEnvironmentVariable("MILVUS_TEST_LOGS") == "1")
        {
            // Diagnosing a failing run: every silo's log on the console, ours at Debug.
            builder.ConfigureSiloHost((_, host) => host.Logging
                .AddSimpleConsole(console => (console.SingleLine, console.TimestampFormat) = (true, "HH:mm:ss.fff "))
                .AddFilter("Milvus", LogLevel.Debug));
        }
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddRedisGrainStorageAsDefault(o => o.ConfigurationOptions = redis);
            // Stream subscriptions and the vchannel stream receivers' checkpoints.
            silo.AddRedisGrainStorage("PubSubStore", o => o.ConfigurationOptions = redis);
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
            await cluster.DeployAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            garnet.Dispose();
            wal.Delete(recursive: true);
            throw;
        }

        return new InProcessMilvusCluster(garnet, wal, cluster);
    }

    /// <summary>Waits until the cluster has <paramref name="silos"/> active silos and every pchannel is bound to one, evenly.</summary>
    public async Task<ChannelTopology> WaitForBalancedAsync(int silos, TimeSpan within, CancellationToken cancellationToken = default)
    {
        var deadline = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var topology = await Client.GetTopologyAsync(cancellationToken).ConfigureAwait(false);
            var active = Cluster.GetActiveSilos().Select(s => s.SiloAddress).ToHashSet();
            var loads = topology.Channels.GroupBy(c => c.Silo).ToDictionary(g => g.Key!, g => g.Count());
            if (active.Count == silos && topology.Channels.All(c => c.Silo is { } s && active.Contains(s))
                && loads.Count == silos && loads.Values.Max() - loads.Values.Min() <= 1)
            {
                return topology;
            }

            if (TimeProvider.System.GetElapsedTime(deadline) > within)
            {
                throw new TimeoutException($"Topology v{topology.Version} not balanced over {silos} silos: {string.Join(", ", topology.Channels)}");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync().ConfigureAwait(false);
        _garnet.Dispose();
        _wal.Delete(recursive: true);
    }
}
