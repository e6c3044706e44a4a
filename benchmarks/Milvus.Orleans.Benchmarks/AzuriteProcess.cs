using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;

namespace Milvus.Orleans.Benchmarks;

/// <summary>Azurite from the repository's own npm install (the AppHost's or the tests'), on a free loopback port.</summary>
internal sealed class AzuriteProcess : IAsyncDisposable
{
    private const string Account = "devstoreaccount1";
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static readonly string[] InstallPrefixes = ["azurite", "azurite-tests"];
    private readonly Process _process;

    private AzuriteProcess(Process process, BlobServiceClient service)
    {
        _process = process;
        Service = service;
    }

    public BlobServiceClient Service { get; }

    /// <summary>Null when no Azurite is installed under <c>.tools/</c> (run the AppHost or the tests once).</summary>
    public static async Task<AzuriteProcess?> StartAsync(string dataDirectory)
    {
        var main = InstallPrefixes
            .Select(prefix => Path.Combine(RepositoryRoot(), ".tools", prefix, "node_modules", "azurite", "dist", "src", "blob", "main.js"))
            .FirstOrDefault(File.Exists);
        if (main is null)
        {
            return null;
        }

        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var process = Process.Start(new ProcessStartInfo("node",
            [main, "--blobHost", "127.0.0.1", "--blobPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--location", dataDirectory, "--skipApiVersionCheck", "--silent"]) { RedirectStandardOutput = true })!;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                break;
            }
            catch (SocketException) when (attempt < 300)
            {
                await Task.Delay(100);
            }
        }

        return new AzuriteProcess(process, new BlobServiceClient(
            $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};BlobEndpoint=http://127.0.0.1:{port}/{Account};"));
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Milvus.Orleans.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Run the benchmarks from the repository: Milvus.Orleans.sln not found.");
    }
}
