using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Milvus.Orleans.Client;

/// <summary>Healthy while the cluster answers and lists at least one active silo; asked for 5 s at most.</summary>
internal sealed class ClusterHealthCheck(MilvusClient client) : IHealthCheck
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Deadline);
        try
        {
            var silos = await client.GetSilosAsync(onlyActive: true, deadline.Token).ConfigureAwait(false);
            return silos.Count > 0
                ? HealthCheckResult.Healthy($"{silos.Count} active silo(s).")
                : HealthCheckResult.Unhealthy("The cluster lists no active silo.");
        }
        catch (Exception ex) when (ex is MilvusException or OperationCanceledException or OrleansException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"The cluster did not answer: {ex.Message}");
        }
    }
}
