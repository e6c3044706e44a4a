using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Milvus.Orleans.Client;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Query;
using Milvus.Orleans.Security;
using Milvus.Orleans.Streaming;
using Milvus.Orleans.Wal;
using Milvus.Orleans.Wal.AzureBlob;
using Milvus.Orleans.Wal.Storage;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.TestingHost;
using StackExchange.Redis;

namespace Milvus.Orleans.Testing;

/// <summary>
/// Silos in this process sharing what a real deployment shares: grain state in a real Garnet that outlives killed
/// silos, the WAL (local files in one directory, or with <c>Milvus:Wal:Storage = Blob</c> append blobs in a container
/// of its own), and history in a blob container of its own on the test process' Azurite. Without a setting, the WAL's
/// storage is <see cref="WalEnvironmentVariable"/>'s, so a whole suite can run on the blob WAL. Membership is the test
/// cluster's in-memory table; failure detection is tuned to about a second, as in the silo host.
/// </summary>
public sealed class InProcessMilvusCluster : IAsyncDisposable
{
    private readonly EmbeddedGarnet _garnet;
    private readonly DirectoryInfo _wal;
    private readonly short _silos;
    private IConfiguration _configuration;
    private readonly Action<IServiceCollection>? _services;
    // Grain state in Garnet is keyed by service id: a restarted cluster keeps it to find its state again.
    private readonly string _serviceId = $"milvus-test-{Guid.NewGuid():N}";

    private InProcessMilvusCluster(
        EmbeddedGarnet garnet, DirectoryInfo wal, BlobContainerClient walBlobs, BlobContainerClient history, short silos, IConfiguration configuration, Action<IServiceCollection>? services)
    {
        _garnet = garnet;
        _wal = wal;
        WalBlobs = walBlobs;
        History = history;
        _silos = silos;
        _configuration = configuration;
        _services = services;
    }

    /// <summary>What the silos logged lately (ours from Information, every warning).</summary>
    public RecentLog Log { get; } = new();

    /// <summary>The Orleans test cluster.</summary>
    public InProcessTestCluster Cluster { get; private set; } = null!;

    /// <summary>A client SDK over the cluster's client.</summary>
    public MilvusClient Client { get; private set; } = null!;

    /// <summary>
    /// Grains as the service itself reaches them (through the first silo): for tests that call what only silos may,
    /// which a client's call would be refused.
    /// </summary>
    public IGrainFactory SiloGrains => Cluster.GetActiveSilos().First().ServiceProvider.GetRequiredService<IGrainFactory>();

    /// <summary>The connection string of the Garnet holding the cluster's grain state.</summary>
    public string RedisConnectionString => _garnet.ConnectionString;

    /// <summary>The directory of the local WAL every silo shares.</summary>
    public string WalPath => _wal.FullName;

    /// <summary>The variable naming the WAL storage of clusters whose settings name none: <c>Local</c> (unset) or <c>Blob</c>.</summary>
    public const string WalEnvironmentVariable = "MILVUS_TEST_WAL";

    /// <summary>Settings that put the WAL in append blobs, in <see cref="WalBlobs"/>.</summary>
    public static IReadOnlyDictionary<string, string?> BlobWal { get; } = new Dictionary<string, string?> { ["Milvus:Wal:Storage"] = nameof(WalStorageKind.Blob) };

    /// <summary>The blob container of the WAL when <c>Milvus:Wal:Storage = Blob</c>.</summary>
    public BlobContainerClient WalBlobs { get; }

    /// <summary>The WAL's storage as another silo would open it: the same logs, through an instance of its own.</summary>
    public IWalStorage OpenWalStorage() =>
        Enum.Parse<WalStorageKind>(_configuration["Milvus:Wal:Storage"]!, ignoreCase: true) == WalStorageKind.Blob
            ? new AzureBlobWalStorage(WalBlobs)
            : new LocalWalStorage(new LocalWalOptions { Path = WalPath });

    /// <summary>The blob container of the cluster's history: segments and checkpoints.</summary>
    public BlobContainerClient History { get; }

    /// <summary>
    /// Starts <paramref name="silos"/> silos with 8 pchannels (unless <paramref name="settings"/> say otherwise).
    /// </summary>
    public static async Task<InProcessMilvusCluster> StartAsync(
        short silos,
        IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null,
        CancellationToken cancellationToken = default)
    {
        var azurite = await SharedAzurite.GetAsync().ConfigureAwait(false);
        var history = azurite.Service.GetBlobContainerClient($"history-{Guid.NewGuid():N}");
        var walBlobs = azurite.Service.GetBlobContainerClient($"wal-{Guid.NewGuid():N}");
        var garnet = new EmbeddedGarnet();
        var wal = Directory.CreateTempSubdirectory("milvus-streaming-wal-");
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Milvus:Wal:Path"] = wal.FullName,
                ["Milvus:Wal:Storage"] = Environment.GetEnvironmentVariable(WalEnvironmentVariable) ?? nameof(WalStorageKind.Local),
                ["Milvus:Streaming:PChannels"] = "8",
            })
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();
        var cluster = new InProcessMilvusCluster(garnet, wal, walBlobs, history, silos, configuration, services);
        try
        {
            await cluster.DeployAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            garnet.Dispose();
            wal.Delete(recursive: true);
            throw;
        }

        return cluster;
    }

    /// <summary>
    /// Stops every silo, as a shutdown of the whole service would, runs <paramref name="whileStopped"/> if given
    /// (to damage what the silos left behind), and starts the same number again over the same Garnet, WAL and history,
    /// with <paramref name="settings"/> over the earlier ones: what survives is only what was made durable.
    /// </summary>
    public async Task RestartAsync(Func<Task>? whileStopped = null, IReadOnlyDictionary<string, string?>? settings = null, CancellationToken cancellationToken = default)
    {
        await Cluster.DisposeAsync().ConfigureAwait(false);
        if (whileStopped is not null)
        {
            await whileStopped().ConfigureAwait(false);
        }

        if (settings is not null)
        {
            // What an operator changes between two starts of the service.
            _configuration = new ConfigurationBuilder().AddConfiguration(_configuration).AddInMemoryCollection(settings).Build();
        }

        await DeployAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task DeployAsync(CancellationToken cancellationToken)
    {
        var redis = ConfigurationOptions.Parse(_garnet.ConnectionString);
        var builder = new InProcessTestClusterBuilder(_silos);
        builder.Options.ServiceId = _serviceId;
        builder.ConfigureSiloHost((_, host) => Log.AddTo(host.Logging));
        if (Environment.GetEnvironmentVariable("MILVUS_TEST_LOGS") == "1")
        {
            // Diagnosing a failing run: every silo's log on the console, ours at Debug.
            builder.ConfigureSiloHost((_, host) => host.Logging
                .AddSimpleConsole(console => (console.SingleLine, console.TimestampFormat) = (true, "HH:mm:ss.fff "))
                .AddFilter("Milvus", LogLevel.Debug));
        }
        // Traces go on from the client through every grain a call reaches, as in the AppHost.
        builder.ConfigureClient(client => client.AddActivityPropagation().UseMilvusToken(_configuration["Milvus:Token"]).AddMilvusClusterChanges());
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddActivityPropagation();
            silo.AddRedisGrainStorageAsDefault(o => o.ConfigurationOptions = redis);
            // Stream subscriptions and the vchannel stream receivers' checkpoints.
            silo.AddRedisGrainStorage("PubSubStore", o => o.ConfigurationOptions = redis);
            silo.Services.AddKeyedSingleton(StreamingSiloBuilderExtensions.HistoryContainerKey, History);
            silo.Services.AddKeyedSingleton<IWalStorage>(StreamingSiloBuilderExtensions.WalBackendKey, (sp, _) => new AzureBlobWalStorage(
                WalBlobs,
                new AzureBlobWalOptions { RecoveryErrorIgnore = sp.GetRequiredService<IOptions<WalOptions>>().Value.RecoveryErrorIgnore },
                sp.GetRequiredService<TimeProvider>()));
            silo.AddMilvusStreaming(_configuration);
            silo.AddMilvusQuery(_configuration);
            silo.AddMilvusSecurity(_configuration);
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromMilliseconds(500);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
            });
            _services?.Invoke(silo.Services);
        });
        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        Cluster = cluster;
        Client = new MilvusClient(cluster.Client);
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
        await History.DeleteIfExistsAsync().ConfigureAwait(false);
        await WalBlobs.DeleteIfExistsAsync().ConfigureAwait(false);
    }
}
