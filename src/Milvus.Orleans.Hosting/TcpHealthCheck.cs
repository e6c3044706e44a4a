using System.Net.Sockets;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Milvus.Orleans.Hosting;

/// <summary>
/// Ready once the endpoint accepts a TCP connection, so dependents wait for a server that listens rather than
/// for a process that merely started.
/// </summary>
public static class TcpHealthCheck
{
    /// <summary>Adds a health check that is healthy once <paramref name="endpoint"/> accepts a TCP connection.</summary>
    public static IResourceBuilder<T> WithTcpHealthCheck<T>(this IResourceBuilder<T> resource, EndpointReference endpoint)
        where T : IResource
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(endpoint);
        var key = $"{resource.Resource.Name}-tcp";
        resource.ApplicationBuilder.Services.AddHealthChecks().AddAsyncCheck(key, async cancellationToken =>
        {
            if (!endpoint.IsAllocated)
            {
                return HealthCheckResult.Unhealthy($"{endpoint.EndpointName} has no port yet.");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(endpoint.Host, endpoint.Port, cancellationToken).ConfigureAwait(false);
                return HealthCheckResult.Healthy();
            }
            catch (SocketException ex)
            {
                // Expected while the server boots: the message is enough, a stack trace per probe is noise.
                return HealthCheckResult.Unhealthy($"{endpoint.Host}:{endpoint.Port}: {ex.SocketErrorCode}.");
            }
        });
        return resource.WithHealthCheck(key);
    }
}
