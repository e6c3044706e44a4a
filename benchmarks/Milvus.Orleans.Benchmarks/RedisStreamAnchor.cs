using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Milvus.Orleans.Benchmarks;

/// <summary>
/// Redis Streams as durable as our WAL: a redis-server of our own with <c>appendfsync always</c>, XADD of the
/// same records from the same number of concurrent callers.
/// </summary>
internal static class RedisStreamAnchor
{
    public static async Task<Measurement.Result?> RunAsync(string directory, int concurrency, int recordBytes, TimeSpan duration)
    {
        var server = FindOnPath("redis-server");
        if (server is null)
        {
            return null;
        }

        var port = FreeLoopbackPort();
        using var redis = Process.Start(new ProcessStartInfo(server,
            ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory,
             "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "no"])
        {
            RedirectStandardOutput = true,
        })!;
        try
        {
            var connections = new List<ConnectionMultiplexer>();
            for (var i = 0; i < 4; i++)
            {
                connections.Add(await ConnectAsync(port));
            }

            var payload = new byte[recordBytes];
            Random.Shared.NextBytes(payload);
            var next = 0;
            var result = await Measurement.RunAsync(concurrency, duration, () =>
            {
                var db = connections[Interlocked.Increment(ref next) % connections.Count].GetDatabase();
                return db.StreamAddAsync("bench", "r", payload);
            });
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }

            return result;
        }
        finally
        {
            redis.Kill();
            await redis.WaitForExitAsync();
        }
    }

    private static async Task<ConnectionMultiplexer> ConnectAsync(int port)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port}");
            }
            catch (RedisConnectionException) when (attempt < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
}
