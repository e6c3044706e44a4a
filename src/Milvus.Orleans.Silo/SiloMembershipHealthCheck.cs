using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Milvus.Orleans.Silo;

/// <summary>Ready only while this silo is Active in the cluster's membership table.</summary>
internal sealed class SiloMembershipHealthCheck(IClusterMembershipService membership, ILocalSiloDetails localSilo) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(localSilo.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"Silo {localSilo.SiloAddress} is Active.")
            : new HealthCheckResult(context.Registration.FailureStatus, $"Silo {localSilo.SiloAddress} is {status}."));
    }
}
