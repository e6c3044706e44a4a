using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;

namespace Milvus.Orleans.Testing;

/// <summary>
/// A real Azurite blob service on a free loopback port with its data in a temp folder, deleted on dispose.
/// Installed from npm on first use into the repository's <c>.tools/azurite-tests</c> (<see cref="NpmTools"/>), apart
/// from the AppHost's copy.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    private const string Version = "3.37.0";
    private const string Account = "devstoreaccount1";
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private const int StartAttempts = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly DirectoryInfo _data;

    private AzuriteServer(Process process, DirectoryInfo data, int port)
    {
        _process = process;
        _data = data;
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};BlobEndpoint=http://127.0.0.1:{port}/{Account};";
        Service = new BlobServiceClient(ConnectionString);
    }

    public BlobServiceClient Service { get; }

    /// <summary>The connection string of its blob service, for processes the test starts.</summary>
    public string ConnectionString { get; }

    public static async Task<AzuriteServer> StartAsync()
    {
        var mainPath = Path.Combine("node_modules", "azurite", "dist", "src", "blob", "main.js");
        var main = Path.Combine(await NpmTools.EnsureInstalledAsync("azurite-tests", $"azurite@{Version}", mainPath).ConfigureAwait(false), mainPath);

        // A port found free can be taken again before Azurite binds it (by another test's outgoing connection),
        // and a loaded 2-core machine can take long to start node: try a fresh port when Azurite exits, and say why.
        var failures = new List<string>();
        for (var attempt = 1; attempt <= StartAttempts; attempt++)
        {
            var data = Directory.CreateTempSubdirectory("milvus-azurite-");
            var port = LoopbackPorts.Free();
            var process = Process.Start(new ProcessStartInfo("node",
                [main, "--blobHost", "127.0.0.1", "--blobPort", port.ToString(CultureInfo.InvariantCulture),
                 "--location", data.FullName, "--skipApiVersionCheck", "--silent"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var output = new ProcessOutput(process);
            var server = new AzuriteServer(process, data, port);
            var started = await WaitUntilListeningAsync(process, port, StartTimeout).ConfigureAwait(false);
            if (started)
            {
                return server;
            }

            await server.DisposeAsync().ConfigureAwait(false);
            failures.Add($"attempt {attempt} on port {port}: {(process.HasExited ? "exited" : $"not listening after {StartTimeout.TotalSeconds:0} s")}; output: {output}");
        }

        throw new InvalidOperationException("Azurite did not start. " + string.Join(" | ", failures));
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync().ConfigureAwait(false);
        _process.Dispose();
        _data.Delete(recursive: true);
    }

    /// <summary>Stops Azurite at once and deletes its data, for a process on its way out.</summary>
    public void Stop()
    {
        _process.Kill();
        _process.WaitForExit();
        _data.Delete(recursive: true);
    }

    /// <summary>The folder holding <c>Milvus.Orleans.sln</c>, found upwards from the running assembly.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Milvus.Orleans.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Milvus.Orleans.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>True once the port accepts connections while Azurite still runs; false if it exits or time runs out.</summary>
    private static async Task<bool> WaitUntilListeningAsync(Process process, int port, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (!process.HasExited && clock.Elapsed < within)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                // Something else may hold the port; Azurite then exits at once on EADDRINUSE.
                await Task.Delay(200).ConfigureAwait(false);
                return !process.HasExited;
            }
            catch (SocketException)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }

        return false;
    }
}
