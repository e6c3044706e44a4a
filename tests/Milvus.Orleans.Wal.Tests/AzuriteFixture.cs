using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;

namespace Milvus.Orleans.Wal.Tests;

/// <summary>
/// A real Azurite blob service on a loopback port, installed from npm on first use into the repository's
/// <c>.tools/azurite-tests</c> (apart from the AppHost's copy, so parallel test projects never install into
/// one folder at once), with its data in a temp folder.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private const string Version = "3.37.0";
    private const string Account = "devstoreaccount1";
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("milvus-azurite-");
    private Process? _azurite;

    public BlobServiceClient Service { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var prefix = Path.Combine(RepositoryRoot(), ".tools", "azurite-tests");
        var main = Path.Combine(prefix, "node_modules", "azurite", "dist", "src", "blob", "main.js");
        if (!File.Exists(main))
        {
            Directory.CreateDirectory(prefix);
            await RunAsync("npm", ["install", "--no-audit", "--no-fund", "--prefix", prefix, $"azurite@{Version}"]);
        }

        var port = FreePort();
        _azurite = Process.Start(new ProcessStartInfo("node",
            [main, "--blobHost", "127.0.0.1", "--blobPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--location", _data.FullName, "--skipApiVersionCheck", "--silent"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await WaitForPortAsync(port, TimeSpan.FromSeconds(30));
        Service = new BlobServiceClient(
            $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};BlobEndpoint=http://127.0.0.1:{port}/{Account};");
    }

    public async ValueTask DisposeAsync()
    {
        if (_azurite is not null)
        {
            _azurite.Kill();
            await _azurite.WaitForExitAsync();
            _azurite.Dispose();
        }

        _data.Delete(recursive: true);
    }

    private static async Task RunAsync(string program, string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await stderr}");
        }
    }

    private static async Task WaitForPortAsync(int port, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (clock.Elapsed < within)
            {
                await Task.Delay(100);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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

        throw new InvalidOperationException("Milvus.Orleans.sln not found above the test output.");
    }
}
