using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milvus.Orleans.Client;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.EndToEnd.Tests;

/// <summary>One run of the real AppHost (Garnet, Azurite, 3 silos) and a client SDK connected to it.</summary>
internal sealed class AppHostRun : IAsyncDisposable
{
    public const string Silo = "silo";
    public const string ServiceId = "milvus-orleans";
    public const int Silos = 3;

    /// <summary>The root password the tests give the AppHost (which otherwise generates one).</summary>
    public const string RootPassword = "e2e-root-password";

    /// <summary>The token of root, which the run's client sends.</summary>
    public const string RootToken = "root:" + RootPassword;

    private readonly IHost _clientHost;

    private static bool AllLogs => Environment.GetEnvironmentVariable("MILVUS_TEST_LOGS") == "1";

    private AppHostRun(DistributedApplication app, IHost clientHost, string clusterId, string redisConnectionString, string? certificate, int restPort)
    {
        App = app;
        RestApi = new Uri($"http://localhost:{restPort}/v2/vectordb/");
        _clientHost = clientHost;
        ClusterId = clusterId;
        RedisConnectionString = redisConnectionString;
        Certificate = certificate;
    }

    public DistributedApplication App { get; }

    public string ClusterId { get; }

    /// <summary>The base address of the run's REST API (a free port, so that runs and a developer's AppHost do not collide).</summary>
    public Uri RestApi { get; }

    public string RedisConnectionString { get; }

    /// <summary>The cluster certificate when the run uses TLS, else null.</summary>
    public string? Certificate { get; }

    public MilvusClient Client => _clientHost.Services.GetRequiredService<MilvusClient>();

    public IClusterClient Orleans => _clientHost.Services.GetRequiredService<IClusterClient>();

    /// <summary>
    /// Starts the AppHost with its data under <paramref name="dataPath"/> and waits for the silos and a client (root's);
    /// the demo runs only with <paramref name="demoRows"/>; with <paramref name="tls"/>, every link uses TLS.
    /// </summary>
    public static async Task<AppHostRun> StartAsync(string dataPath, CancellationToken cancellationToken, int? demoRows = null, bool tls = false)
    {
        var clusterId = $"e2e-{Guid.NewGuid():N}";
        var restPort = LoopbackPorts.Free();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            [
                $"--DataPath={dataPath}", $"--ClusterId={clusterId}", demoRows is { } rows ? $"--DemoRows={rows}" : "--Demo=false",
                $"--Parameters:milvus-root-password={RootPassword}", $"--Tls={tls}", $"--RestPort={restPort}",
            ],
            cancellationToken);
        QuietResources(builder);
        var app = await builder.BuildAsync(cancellationToken);
        await app.StartAsync(cancellationToken);
        await app.ResourceNotifications.WaitForResourceHealthyAsync(Silo, cancellationToken);

        var redis = await app.GetConnectionStringAsync("redis", cancellationToken)
            ?? throw new InvalidOperationException("The AppHost has no redis connection string.");
        var certificate = tls ? Path.Combine(dataPath, "tls", "cluster.pfx") : null;
        var clientHost = await StartClientAsync(redis, clusterId, RootToken, certificate, cancellationToken);
        return new AppHostRun(app, clientHost, clusterId, redis, certificate, restPort);
    }

    /// <summary>
    /// A failed test prints its whole output and CI keeps only the tail: the silos, Azurite and the run's clients log
    /// warnings and errors only, so a failure's message stays in sight. <c>MILVUS_TEST_LOGS=1</c> keeps everything.
    /// </summary>
    private static void QuietResources(IDistributedApplicationTestingBuilder builder)
    {
        if (AllLogs)
        {
            return;
        }

        foreach (var silo in builder.Resources.OfType<ProjectResource>().Where(r => r.Name == Silo))
        {
            builder.CreateResourceBuilder(silo).WithEnvironment("Logging__LogLevel__Default", "Warning");
        }

        builder.Services.AddLogging(logging => logging.AddFilter("Milvus.Orleans.AppHost.Resources.azurite", LogLevel.Warning));
    }

    /// <summary>A client host of the run's cluster with <paramref name="token"/> and <paramref name="certificate"/>.</summary>
    public static async Task<IHost> StartClientAsync(string redis, string clusterId, string? token, string? certificate, CancellationToken cancellationToken)
    {
        var clientBuilder = Host.CreateApplicationBuilder();
        if (!AllLogs)
        {
            clientBuilder.Logging.SetMinimumLevel(LogLevel.Warning);
        }

        clientBuilder.AddMilvusClient(options =>
        {
            options.RedisConnectionString = redis;
            options.ClusterId = clusterId;
            options.Token = token;
            options.TlsCertificatePath = certificate;
        });
        var clientHost = clientBuilder.Build();
        try
        {
            await clientHost.StartAsync(cancellationToken);
        }
        catch
        {
            clientHost.Dispose();
            throw;
        }

        return clientHost;
    }

    /// <summary>Polls the membership table until exactly <paramref name="count"/> silos are Active.</summary>
    public async Task<IReadOnlyList<SiloMember>> WaitForActiveSilosAsync(int count, TimeSpan within, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        IReadOnlyList<SiloMember> active = [];
        while (clock.Elapsed < within)
        {
            try
            {
                active = await Client.GetSilosAsync(onlyActive: true, cancellationToken);
            }
            catch (Exception ex) when (TransientRetry.IsTransient(ex))
            {
                // The client's gateway may be the silo that just stopped: the next poll goes through another one.
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
                continue;
            }

            if (active.Count == count)
            {
                return active;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }

        throw new TimeoutException($"{active.Count} active silos after {within}, expected {count}: {string.Join(", ", active)}");
    }

    /// <summary>The running silo replicas: Aspire's id, process, own HTTP address and Orleans silo port.</summary>
    public async Task<IReadOnlyList<SiloReplica>> GetSiloReplicasAsync(CancellationToken cancellationToken)
    {
        var replicas = new Dictionary<string, SiloReplica>(StringComparer.Ordinal);
        await foreach (var update in App.ResourceNotifications.WatchAsync(cancellationToken))
        {
            if (update.Resource.Name == Silo
                && update.Snapshot.State?.Text == KnownResourceStates.Running
                && update.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is int pid)
            {
                replicas[update.ResourceId] = SiloReplica.Read(update.ResourceId, pid);
            }

            if (replicas.Count == Silos)
            {
                return [.. replicas.Values.OrderBy(r => r.ResourceId, StringComparer.Ordinal)];
            }
        }

        throw new InvalidOperationException("Resource notifications ended before every silo replica was running.");
    }

    /// <summary>Stops one replica the way the dashboard's Stop button does.</summary>
    public async Task StopReplicaAsync(string resourceId, CancellationToken cancellationToken)
    {
        var commands = App.Services.GetRequiredService<ResourceCommandService>();
        var result = await commands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StopCommand, cancellationToken);
        if (!result.Success)
        {
            throw new InvalidOperationException($"Stopping {resourceId} failed: {result.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _clientHost.StopAsync();
        _clientHost.Dispose();
        await App.DisposeAsync();
    }
}

/// <summary>A silo replica as the AppHost started it.</summary>
internal sealed record SiloReplica(string ResourceId, int ProcessId, Uri HttpAddress, int SiloPort, int GatewayPort)
{
    /// <summary>The replica's own <c>/health</c> body once it answers 200, or the last answer when <paramref name="within"/> ends.</summary>
    public async Task<string> WaitForHealthAsync(TimeSpan within, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        var clock = Stopwatch.StartNew();
        var last = "no answer";
        while (clock.Elapsed < within)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(HttpAddress, "/health"), cancellationToken);
                last = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return last;
                }
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }

        return last;
    }

    /// <summary>Reads what Aspire gave the process: its own HTTP address (the dashboard shows only the proxy) and its silo port.</summary>
    public static SiloReplica Read(string resourceId, int processId)
    {
        var environment = File.ReadAllText($"/proc/{processId}/environ")
            .Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
        return new(
            resourceId,
            processId,
            new Uri(environment["ASPNETCORE_URLS"].Split(';')[0]),
            int.Parse(environment["Orleans__Endpoints__SiloPort"], System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(environment["Orleans__Endpoints__GatewayPort"], System.Globalization.CultureInfo.InvariantCulture));
    }
}
