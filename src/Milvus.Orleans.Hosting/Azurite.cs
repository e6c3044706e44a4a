using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Milvus.Orleans.Hosting;

/// <summary>Azurite's blob service, run from npm as a local stand-in for a storage account (no container engine needed).</summary>
public static class Azurite
{
    /// <summary>The pinned Azurite release; 3.37.0 needs <c>--skipApiVersionCheck</c> for Azure.Storage.Blobs 12.30.</summary>
    public const string Version = "3.37.0";

    /// <summary>Azurite's well-known development account; only ever used against loopback.</summary>
    private const string Account = "devstoreaccount1";

    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>
    /// Adds Azurite's blob service as resource <paramref name="name"/>, installed from npm into <paramref name="toolsPath"/>
    /// on first run (an <c>npm install</c> resource it waits for) and keeping its blobs in <paramref name="dataPath"/>;
    /// healthy once it listens. Returns the server and its connection string.
    /// </summary>
    public static (IResourceBuilder<ExecutableResource> Server, ReferenceExpression ConnectionString) AddAzuriteBlobs(
        this IDistributedApplicationBuilder builder, string name, string dataPath, string toolsPath)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Directory.CreateDirectory(dataPath);
        var installPath = Path.Combine(toolsPath, "azurite");
        var azurite = builder.AddExecutable(
                name,
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

        if (!IsInstalled(installPath))
        {
            Directory.CreateDirectory(installPath);
            var install = builder.AddExecutable(
                $"{name}-install", "npm", installPath,
                "install", "--no-audit", "--no-fund", "--prefix", installPath, $"azurite@{Version}");
            azurite.WaitForCompletion(install);
        }

        // The address, not the endpoint's "localhost" URL: the Azure SDK reads account/container/blob from the path only
        // for an IP host, and for a named one it would take the account for the container (blob names lose a level).
        return (azurite, ReferenceExpression.Create(
            $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};BlobEndpoint=http://127.0.0.1:{endpoint.Property(EndpointProperty.Port)}/{Account};"));
    }

    private static bool IsInstalled(string prefix)
    {
        var manifest = Path.Combine(prefix, "node_modules", "azurite", "package.json");
        if (!File.Exists(manifest))
        {
            return false;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(manifest));
        return document.RootElement.TryGetProperty("version", out var installed) && installed.GetString() == Version;
    }
}
