using System.Globalization;
using Garnet;

namespace Milvus.Orleans.Testing;

/// <summary>
/// A real Garnet (Redis protocol) server inside the test process on a free loopback port, with Lua for Orleans'
/// scripts. Its data lives as long as the object, outliving every silo a test kills.
/// </summary>
public sealed class EmbeddedGarnet : IDisposable
{
    private readonly GarnetServer _server;

    public EmbeddedGarnet()
    {
        Port = LoopbackPorts.Free();
        _server = new GarnetServer(["--bind", "127.0.0.1", "--port", Port.ToString(CultureInfo.InvariantCulture), "--lua", "-q"]);
        _server.Start();
    }

    /// <summary>The port it listens on.</summary>
    public int Port { get; }

    /// <summary>A StackExchange.Redis connection string for it.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    public void Dispose() => _server.Dispose();
}
