using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Garnet;
using Microsoft.Extensions.Options;

namespace Milvus.Orleans.GarnetHost;

/// <summary>
/// Runs Garnet in process. Every write is made durable before it is acknowledged (append-only file with
/// commit frequency 0) and the file is replayed at start, so cluster metadata survives a hard kill.
/// </summary>
internal sealed partial class GarnetService(IOptions<GarnetHostOptions> options, ILoggerFactory loggerFactory) : IHostedService, IDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<GarnetService>();
    private GarnetServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var dataPath = Path.GetFullPath(o.DataPath);
        Directory.CreateDirectory(dataPath);
        string[] args =
        [
            "--bind", o.Bind,
            "--port", o.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Orleans' Redis membership table runs Lua scripts.
            "--lua",
            "--aof",
            "--aof-commit-freq", "0",
            "--checkpointdir", Path.Combine(dataPath, "checkpoints"),
            "--recover",
            // The default device needs libaio, which a fresh machine lacks.
            "--device-type", "RandomAccess",
        ];
        _server = new GarnetServer(args, loggerFactory);
        _server.Start();
        LogStarted(_logger, o.Bind, o.Port, dataPath);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _server?.Dispose();
        _server = null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Garnet listening on {Bind}:{Port}, data in {DataPath}")]
    private static partial void LogStarted(ILogger logger, string bind, int port, string dataPath);
}
