using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Connections.Security;

namespace Milvus.Orleans.Client;

/// <summary>Adds a <see cref="MilvusClient"/> to a host.</summary>
public static class MilvusClientHostingExtensions
{
    /// <summary>
    /// Connects the host to a Milvus.Orleans cluster and registers <see cref="MilvusClient"/>. Without
    /// <paramref name="configure"/>, the cluster is found from the configuration Aspire injects
    /// (<c>ConnectionStrings:redis</c>, <c>Orleans:ClusterId</c>, <c>Orleans:ServiceId</c>), with the token of
    /// <c>Milvus:Token</c> and the TLS certificate of <c>Milvus:Security:TlsCertificatePath</c>, if set.
    /// </summary>
    public static IHostApplicationBuilder AddMilvusClient(
        this IHostApplicationBuilder builder, Action<MilvusClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var options = new MilvusClientOptions
        {
            RedisConnectionString = configuration.GetConnectionString("redis"),
            ClusterId = configuration["Orleans:ClusterId"],
            ServiceId = configuration["Orleans:ServiceId"] ?? MilvusClientOptions.DefaultServiceId,
            Token = configuration["Milvus:Token"],
            TlsCertificatePath = configuration["Milvus:Security:TlsCertificatePath"],
            TlsCertificatePassword = configuration["Milvus:Security:TlsCertificatePassword"],
        };
        configure?.Invoke(options);
        AddClient(builder, options);
        return builder;
    }

    /// <summary>
    /// The client integration: connects the host to the cluster named by connection string
    /// <c>ConnectionStrings:<paramref name="connectionName"/></c> (what the Aspire hosting integration's
    /// <c>WithReference</c> hands a project; see <see cref="MilvusClientOptions.FromConnectionString"/>) and registers
    /// <see cref="MilvusClient"/>, a health check named after the connection that asks the cluster for its active
    /// silos, and the SDK's and Orleans' trace sources for OpenTelemetry (each can be turned off in <paramref name="configure"/>).
    /// </summary>
    public static IHostApplicationBuilder AddMilvusClient(
        this IHostApplicationBuilder builder, string connectionName, Action<MilvusClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);
        var connectionString = builder.Configuration.GetConnectionString(connectionName)
            ?? throw new MilvusException(
                ErrorCode.InvalidArgument,
                $"No connection string '{connectionName}': reference the cluster from the AppHost (WithReference) or set ConnectionStrings:{connectionName}.");
        var options = MilvusClientOptions.FromConnectionString(connectionString);
        configure?.Invoke(options);
        AddClient(builder, options);
        if (!options.DisableHealthChecks)
        {
            builder.Services.AddHealthChecks().AddCheck<ClusterHealthCheck>(connectionName);
        }

        if (!options.DisableTracing)
        {
            builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing
                .AddSource(MilvusClient.TelemetrySourceName)
                .AddSource("Microsoft.Orleans.Runtime")
                .AddSource("Microsoft.Orleans.Application"));
        }

        return builder;
    }

    private static void AddClient(IHostApplicationBuilder builder, MilvusClientOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.RedisConnectionString))
        {
            throw new MilvusException(
                ErrorCode.InvalidArgument,
                "No Redis connection string: set ConnectionStrings:redis, Redis=… in the cluster's connection string, or MilvusClientOptions.RedisConnectionString.");
        }

        if (string.IsNullOrWhiteSpace(options.ClusterId))
        {
            throw new MilvusException(
                ErrorCode.InvalidArgument,
                "No cluster id: set Orleans:ClusterId, ClusterId=… in the cluster's connection string, or MilvusClientOptions.ClusterId to the id the AppHost logged.");
        }

        var certificate = LoadCertificate(options);
        // Activity propagation: a read's trace goes on through the delegator and query node grains it reaches.
        builder.Services.AddOrleansClient(client =>
        {
            client
                .AddActivityPropagation()
                .UseMilvusToken(options.Token)
                .AddMilvusClusterChanges()
                .UseRedisClustering(options.RedisConnectionString)
                .Configure<ClusterOptions>(cluster =>
                {
                    cluster.ClusterId = options.ClusterId;
                    cluster.ServiceId = options.ServiceId;
                });
            if (certificate is not null)
            {
                client.UseTls(certificate, tls => TrustClusterPeers(tls, certificate));
            }
        });
        builder.Services.AddSingleton<MilvusClient>();
    }

    /// <summary>
    /// Sends <paramref name="token"/> (<c>user:password</c>) with every call of the client, for clusters with
    /// authorization on; does nothing when it is null or empty. A call whose request context carries a token of its own
    /// (<see cref="CallerIdentity.TokenKey"/>, as a gateway serving many users sets per request) keeps that one.
    /// </summary>
    public static IClientBuilder UseMilvusToken(this IClientBuilder client, string? token)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (!string.IsNullOrEmpty(token))
        {
            client.AddOutgoingGrainCallFilter(async call =>
            {
                if (RequestContext.Get(CallerIdentity.TokenKey) is null)
                {
                    RequestContext.Set(CallerIdentity.TokenKey, token);
                }

                await call.Invoke().ConfigureAwait(false);
            });
        }

        return client;
    }

    /// <summary>
    /// Registers <see cref="ClusterChanges"/>, which a <see cref="MilvusClient"/> over this client uses to send again at
    /// once what a killed silo took with it; the client also refreshes its gateway list every 5 s instead of every minute.
    /// </summary>
    public static IClientBuilder AddMilvusClusterChanges(this IClientBuilder client)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.Services.AddSingleton<ClusterChanges>();
        client.Services.AddSingleton<IClusterConnectionStatusObserver>(sp => sp.GetRequiredService<ClusterChanges>());
        client.Configure<GatewayOptions>(gateways => gateways.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
        return client;
    }

    /// <summary>The client presents the cluster certificate and accepts only silos that present it (or one chaining to a trusted root).</summary>
    public static void TrustClusterPeers(TlsOptions tls, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(tls);
        tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.RemoteCertificateValidation = (remote, _, errors) => ClusterCertificate.IsPeer(certificate, remote, errors);
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2? LoadCertificate(MilvusClientOptions options)
    {
        if (string.IsNullOrEmpty(options.TlsCertificatePath))
        {
            return null;
        }

        try
        {
            return ClusterCertificate.Load(options.TlsCertificatePath, options.TlsCertificatePassword);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or InvalidOperationException)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"The cluster certificate '{options.TlsCertificatePath}' cannot be used: {ex.Message}");
        }
    }
}
