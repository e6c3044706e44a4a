using System.Diagnostics;
using System.Globalization;
using Milvus.Orleans.Client;

namespace Milvus.Orleans.Testing;

/// <summary>
/// One silo host process (<c>src/Milvus.Orleans.Silo</c>, built in the caller's configuration), configured through
/// its environment the way the AppHost configures it.
/// </summary>
public sealed class SiloProcess : IDisposable
{
    private readonly Process _process;
    private readonly ProcessOutput _output;

    private SiloProcess(Process process, int siloPort)
    {
        _process = process;
        _output = new ProcessOutput(process);
        SiloPort = siloPort;
    }

    /// <summary>The Orleans silo port, which identifies it in the topology.</summary>
    public int SiloPort { get; }

    public int ExitCode => _process.ExitCode;

    /// <summary>The last few thousand characters the silo wrote to stdout and stderr.</summary>
    public string Output => _output.ToString();

    /// <summary>
    /// The environment of a silo in cluster <paramref name="clusterId"/> over Redis <paramref name="redis"/>, blob
    /// storage <paramref name="blobs"/> (history) and the local WAL at <paramref name="walPath"/>, on free loopback ports.
    /// </summary>
    public static Dictionary<string, string?> Environment(string redis, string blobs, string clusterId, string walPath) => new()
    {
        ["ConnectionStrings__redis"] = redis,
        ["ConnectionStrings__blobs"] = blobs,
        ["Orleans__Clustering__ProviderType"] = "Redis",
        ["Orleans__Clustering__ServiceKey"] = "redis",
        ["Orleans__GrainStorage__Default__ProviderType"] = "Redis",
        ["Orleans__GrainStorage__Default__ServiceKey"] = "redis",
        ["Orleans__GrainStorage__PubSubStore__ProviderType"] = "Redis",
        ["Orleans__GrainStorage__PubSubStore__ServiceKey"] = "redis",
        ["Orleans__ClusterId"] = clusterId,
        ["Orleans__ServiceId"] = MilvusClientOptions.DefaultServiceId,
        ["Orleans__Endpoints__SiloPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
        ["Orleans__Endpoints__GatewayPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
        ["Orleans__Endpoints__AdvertisedIPAddress"] = "127.0.0.1",
        ["Milvus__Wal__Path"] = walPath,
        ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
    };

    public static SiloProcess Start(IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var start = new ProcessStartInfo("dotnet", [BuiltProjects.Assembly("Milvus.Orleans.Silo", "Milvus.Orleans.Silo.dll")]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var siloPort = environment.TryGetValue("Orleans__Endpoints__SiloPort", out var port) && port is not null ? int.Parse(port, CultureInfo.InvariantCulture) : 0;
        return new SiloProcess(Process.Start(start)!, siloPort);
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>SIGKILL: no shutdown, no goodbye to the cluster.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
