using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registers the blob storage account (Azure Blob, or Azurite locally) and its reachability check.</summary>
public static class BlobStorageExtensions
{
    /// <summary>
    /// Registers a <see cref="BlobServiceClient"/> for <c>ConnectionStrings:{connectionName}</c> and a health check
    /// that reads the account's properties, so <c>/health</c> fails while storage is unreachable.
    /// </summary>
    public static TBuilder AddBlobServiceClient<TBuilder>(this TBuilder builder, string connectionName)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{connectionName} is not set: the blob storage account (Azure or Azurite) is required.");
        }

        builder.Services.AddSingleton(new BlobServiceClient(connectionString));
        builder.Services.AddHealthChecks().AddCheck<BlobStorageHealthCheck>($"blob-{connectionName}");
        return builder;
    }
}

internal sealed class BlobStorageHealthCheck(BlobServiceClient client) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await client.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"Blob storage {client.Uri} is reachable.");
        }
        catch (Exception ex) when (ex is global::Azure.RequestFailedException or HttpRequestException or TaskCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"Blob storage {client.Uri} is unreachable.", ex);
        }
    }
}
