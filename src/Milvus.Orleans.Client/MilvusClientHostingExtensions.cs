using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Milvus.Orleans.Client;

/// <summary>Adds a <see cref="MilvusClient"/> to a host.</summary>
public static class MilvusClientHostingExtensions
{
    /// <summary>
    /// Connects the host to a Milvus.Orleans cluster and registers <see cref="MilvusClient"/>. Without
    /// <paramref name="configure"/>, the cluster is found from the configuration Aspire injects
    /// (<c>ConnectionStrings:redis</c>, <c>Orleans:ClusterId</c>, <c>Orleans:ServiceId</c>).
    /// </summary>
    public static IHostApplicationBuilder AddMilvusClient(
        this IHostApplicationBuilder builder, Action<MilvusClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new MilvusClientOptions
        {
            RedisConnectionString = builder.Configuration.GetConnectionString("redis"),
            ClusterId = builder.Configuration["Orleans:ClusterId"],
            ServiceId = builder.Configuration["Orleans:ServiceId"] ?? MilvusClientOptions.DefaultServiceId,
        };
        configure?.Invoke(options);
        if (string.IsNullOrWhiteSpace(options.RedisConnectionString))
        {
            throw new MilvusException(
                ErrorCode.InvalidArgument,
                "No Redis connection string: set ConnectionStrings:redis or MilvusClientOptions.RedisConnectionString.");
        }

        if (string.IsNullOrWhiteSpace(options.ClusterId))
        {
            throw new MilvusException(
                ErrorCode.InvalidArgument,
                "No cluster id: set Orleans:ClusterId or MilvusClientOptions.ClusterId to the id the AppHost logged.");
        }

        // Activity propagation: a read's trace goes on through the delegator and query node grains it reaches.
        builder.Services.AddOrleansClient(client => client
            .AddActivityPropagation()
            .UseRedisClustering(options.RedisConnectionString)
            .Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = options.ClusterId;
                cluster.ServiceId = options.ServiceId;
            }));
        builder.Services.AddSingleton<MilvusClient>();
        return builder;
    }
}
