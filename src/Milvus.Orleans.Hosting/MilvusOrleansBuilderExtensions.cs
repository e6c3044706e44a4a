using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Milvus.Orleans.Hosting;

/// <summary>Adds a Milvus.Orleans cluster to an AppHost.</summary>
public static partial class MilvusOrleansBuilderExtensions
{
    /// <summary>Most silos one call adds.</summary>
    public const int MaxSilos = 16;

    /// <summary>
    /// Adds a Milvus.Orleans cluster named <paramref name="name"/>: <paramref name="silos"/> silo processes, with
    /// authorization on (root's password is a generated secret parameter, kept in the AppHost's user secrets), over
    /// <paramref name="redis"/> (membership and grain state) or an embedded, durable Garnet when null, and
    /// <paramref name="storage"/> (history, as a blob connection string) or Azurite when null. Local state (Garnet's
    /// append-only file, Azurite's blobs, the WAL) lives under <paramref name="dataPath"/>, by default
    /// <c>.milvus/&lt;name&gt;</c> beside the AppHost project, so a restart keeps it. A project that
    /// <c>WithReference</c>s the cluster gets connection string <c>ConnectionStrings:&lt;name&gt;</c> for the client
    /// integration; <c>WaitFor</c> waits until every silo is healthy.
    /// </summary>
    public static IResourceBuilder<MilvusOrleansResource> AddMilvusOrleans(
        this IDistributedApplicationBuilder builder,
        string name,
        IResourceBuilder<IResourceWithConnectionString>? redis = null,
        IResourceBuilder<IResourceWithConnectionString>? storage = null,
        int silos = 1,
        string? dataPath = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(silos, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(silos, MaxSilos);
        dataPath = Path.GetFullPath(dataPath ?? Path.Combine(builder.AppHostDirectory, ".milvus", name));
        var toolsPath = Path.Combine(builder.AppHostDirectory, ".milvus", "tools");

        var password = builder.AddParameter($"{name}-root-password", new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);
        // A new cluster id per run: a restarted cluster does not wait out the previous run's silos, which the persisted
        // membership table still lists. Grain state is keyed by the service id, which stays.
        var clusterId = $"{name}-{DateTimeOffset.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
        IResourceBuilder<IResourceWithWaitSupport>? redisServer = null;
        ReferenceExpression redisConnection;
        if (redis is null)
        {
            var garnet = builder.AddExecutable($"{name}-garnet", "dotnet", dataPath, ServicePrograms.Garnet)
                .WithEndpoint(name: "tcp", scheme: "tcp", env: "Garnet__Port", isProxied: false)
                .WithEnvironment("Garnet__DataPath", Path.Combine(dataPath, "garnet"))
                .WithOtlpExporter();
            var endpoint = garnet.GetEndpoint("tcp");
            garnet.WithTcpHealthCheck(endpoint);
            redisConnection = ReferenceExpression.Create($"{endpoint.Property(EndpointProperty.HostAndPort)}");
            redisServer = garnet;
        }
        else
        {
            redisConnection = redis.Resource.ConnectionStringExpression;
        }

        IResourceBuilder<IResourceWithWaitSupport>? storageServer = null;
        ReferenceExpression blobConnection;
        if (storage is null)
        {
            var (azurite, connection) = builder.AddAzuriteBlobs($"{name}-azurite", Path.Combine(dataPath, "azurite"), toolsPath);
            storageServer = azurite;
            blobConnection = connection;
        }
        else
        {
            blobConnection = storage.Resource.ConnectionStringExpression;
        }

        var cluster = builder.AddResource(new MilvusOrleansResource(
                name, ReferenceExpression.Create($"ClusterId={clusterId};ServiceId={ServiceId};Token=root:{password};Redis={redisConnection}")))
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = MilvusOrleansResource.ResourceType,
                State = KnownResourceStates.NotStarted,
                Properties = [new(CustomResourceKnownProperties.Source, "Milvus.Orleans")],
            });
        redisServer?.WithParentRelationship(cluster);
        storageServer?.WithParentRelationship(cluster);

        for (var i = 0; i < silos; i++)
        {
            var silo = builder.AddExecutable($"{name}-silo{i}", "dotnet", dataPath, ServicePrograms.Silo)
                .WithHttpEndpoint(name: "http", isProxied: false)
                .WithEndpoint(name: "orleans-silo", scheme: "tcp", env: "Orleans__Endpoints__SiloPort", isProxied: false)
                .WithEndpoint(name: "orleans-gateway", scheme: "tcp", env: "Orleans__Endpoints__GatewayPort", isProxied: false)
                .WithEnvironment("ConnectionStrings__redis", redisConnection)
                .WithEnvironment("ConnectionStrings__blobs", blobConnection)
                .WithEnvironment("Orleans__ClusterId", clusterId)
                .WithEnvironment("Orleans__ServiceId", ServiceId)
                .WithEnvironment("Orleans__Endpoints__AdvertisedIPAddress", "127.0.0.1")
                .WithEnvironment("Milvus__Wal__Storage", "local")
                .WithEnvironment("Milvus__Wal__Path", Path.Combine(dataPath, "wal"))
                .WithEnvironment("Milvus__Security__AuthorizationEnabled", "true")
                .WithEnvironment("Milvus__Security__RootPassword", password)
                .WithOtlpExporter()
                .WithParentRelationship(cluster);
            foreach (var provider in (string[])["Clustering", "GrainStorage__Default", "GrainStorage__PubSubStore"])
            {
                silo.WithEnvironment($"Orleans__{provider}__ProviderType", "Redis").WithEnvironment($"Orleans__{provider}__ServiceKey", "redis");
            }

            var http = silo.GetEndpoint("http");
            silo.WithEnvironment(context => context.EnvironmentVariables["ASPNETCORE_URLS"] = ReferenceExpression.Create($"http://127.0.0.1:{http.Property(EndpointProperty.TargetPort)}"))
                .WithHttpHealthCheck("/health");
            if (redisServer is not null)
            {
                silo.WaitFor(redisServer);
            }

            if (storageServer is not null)
            {
                silo.WaitFor(storageServer);
            }

            cluster.Resource.Silos.Add(silo.Resource);
        }

        builder.Eventing.Subscribe<InitializeResourceEvent>(cluster.Resource, (e, cancellationToken) =>
        {
            // Running (so WaitFor releases its dependents) once every silo is healthy; waited for off the event.
            _ = ReportRunningAsync(cluster.Resource, e.Notifications, e.Logger, e.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopping);
            return Task.CompletedTask;
        });
        return cluster;
    }

    /// <summary>The Orleans service id of the cluster's silos: grain state is keyed by it.</summary>
    private const string ServiceId = "milvus-orleans";

    private static async Task ReportRunningAsync(MilvusOrleansResource cluster, ResourceNotificationService notifications, ILogger logger, CancellationToken stopping)
    {
        try
        {
            await notifications.PublishUpdateAsync(cluster, s => s with { State = KnownResourceStates.Starting }).ConfigureAwait(false);
            foreach (var silo in cluster.Silos)
            {
                await notifications.WaitForResourceHealthyAsync(silo.Name, stopping).ConfigureAwait(false);
            }

            await notifications.PublishUpdateAsync(cluster, s => s with { State = KnownResourceStates.Running, StartTimeStamp = DateTime.UtcNow }).ConfigureAwait(false);
            LogRunning(logger, cluster.Name, cluster.Silos.Count);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The AppHost stops before the silos came up.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Milvus.Orleans cluster '{Name}' is running: {Silos} silo(s) healthy.")]
    private static partial void LogRunning(ILogger logger, string name, int silos);
}
