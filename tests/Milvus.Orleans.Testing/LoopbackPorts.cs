using System.Net;
using System.Net.Sockets;

namespace Milvus.Orleans.Testing;

/// <summary>Ports for services that tests start; only ever on loopback.</summary>
public static class LoopbackPorts
{
    /// <summary>A port that was free on 127.0.0.1 a moment ago.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
