using Microsoft.Extensions.Configuration;
using Milvus.Orleans.Hosting;

namespace Milvus.Orleans.AppHost;

/// <summary>
/// A connection string the silos use, and the local server behind it when the AppHost runs one itself
/// (null when the connection string names an external service).
/// </summary>
internal sealed record LocalService(
    IResourceBuilder<IResourceWithConnectionString> ConnectionString,
    IResourceBuilder<IResourceWithWaitSupport>? Server)
{
    public void WaitForServer<T>(IResourceBuilder<T> dependent)
        where T : IResourceWithWaitSupport
    {
        if (Server is not null)
        {
            dependent.WaitFor(Server);
        }
    }
}

internal static class LocalServices
{
    /// <summary>
    /// <c>ConnectionStrings:{name}</c> if configured, else Garnet hosted by our own project, durable in
    /// <paramref name="dataPath"/> (append-only file fsynced per write, replayed at start).
    /// </summary>
    public static LocalService AddRedisOrEmbeddedGarnet(this IDistributedApplicationBuilder builder, string name, string dataPath)
    {
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(name)))
        {
            return new(builder.AddConnectionString(name).WithOrleansProviderType("Redis"), null);
        }

        var garnet = builder.AddProject<Projects.Milvus_Orleans_GarnetHost>("garnet")
            .WithEndpoint(name: "tcp", scheme: "tcp", env: "Garnet__Port", isProxied: false)
            .WithEnvironment("Garnet__DataPath", dataPath);
        var endpoint = garnet.GetEndpoint("tcp");
        garnet.WithTcpHealthCheck(endpoint);
        var connectionString = builder
            .AddConnectionString(name, ReferenceExpression.Create($"{endpoint.Property(EndpointProperty.HostAndPort)}"))
            .WithOrleansProviderType("Redis");
        return new(connectionString, garnet);
    }

    /// <summary>
    /// <c>ConnectionStrings:{name}</c> if configured, else Azurite's blob service from npm, installed into
    /// <paramref name="toolsPath"/> on first run, with blobs kept in <paramref name="dataPath"/>.
    /// </summary>
    public static LocalService AddBlobsOrAzurite(this IDistributedApplicationBuilder builder, string name, string dataPath, string toolsPath)
    {
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(name)))
        {
            return new(builder.AddConnectionString(name), null);
        }

        var (azurite, connectionString) = builder.AddAzuriteBlobs("azurite", dataPath, toolsPath);
        return new(builder.AddConnectionString(name, connectionString), azurite);
    }
}
