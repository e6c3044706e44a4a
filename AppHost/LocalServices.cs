using Microsoft.Extensions.Configuration;
using System.Text.Json;

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
    /// <summary>The pinned Azurite release; 3.37.0 needs <c>--skipApiVersionCheck</c> for Azure.Storage.Blobs 12.30.</summary>
    private const string AzuriteVersion = "3.37.0";

    /// <summary>Azurite's well-known development account; only ever used against loopback.</summary>
    private const string AzuriteAccount = "devstoreaccount1";

    private const string AzuriteKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

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

        Directory.CreateDirectory(dataPath);
        var installPath = Path.Combine(toolsPath, "azurite");
        var azurite = builder.AddExecutable(
                "azurite",
                "node",
                dataPath,
                Path.Combine(installPath, "node_modules", "azurite", "dist", "src", "blob", "main.js"),
                "--blobHost", "127.0.0.1",
                "--location", dataPath,
                "--skipApiVersionCheck")
            .WithEndpoint(name: "blob", scheme: "http", isProxied: false);
        var endpoint = azurite.GetEndpoint("blob");
        azurite.WithArgs(context =>
        {
            context.Args.Add("--blobPort");
            context.Args.Add(endpoint.Property(EndpointProperty.TargetPort));
        });
        azurite.WithTcpHealthCheck(endpoint);

        if (!IsInstalled(installPath, "azurite", AzuriteVersion))
        {
            Directory.CreateDirectory(installPath);
            var install = builder.AddExecutable(
                "azurite-install", "npm", installPath,
                "install", "--no-audit", "--no-fund", "--prefix", installPath, $"azurite@{AzuriteVersion}");
            azurite.WaitForCompletion(install);
        }

        // The address, not the endpoint's "localhost" URL: the Azure SDK reads account/container/blob from the path only
        // for an IP host, and for a named one it would take the account for the container (blob names lose a level).
        var connectionString = builder.AddConnectionString(
            name,
            ReferenceExpression.Create(
                $"DefaultEndpointsProtocol=http;AccountName={AzuriteAccount};AccountKey={AzuriteKey};BlobEndpoint=http://127.0.0.1:{endpoint.Property(EndpointProperty.Port)}/{AzuriteAccount};"));
        return new(connectionString, azurite);
    }

    private static bool IsInstalled(string prefix, string package, string version)
    {
        var manifest = Path.Combine(prefix, "node_modules", package, "package.json");
        if (!File.Exists(manifest))
        {
            return false;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(manifest));
        return document.RootElement.TryGetProperty("version", out var installed) && installed.GetString() == version;
    }
}
