namespace Milvus.Orleans.Client;

/// <summary>
/// The entry point of the SDK: every operation of the service, as async methods over the Orleans client.
/// </summary>
public sealed class MilvusClient(IClusterClient cluster)
{
    /// <summary>A fresh hybrid timestamp from the cluster's oracle, above every one handed out before.</summary>
    public async Task<HybridTimestamp> AllocateTimestampAsync(CancellationToken cancellationToken = default)
    {
        var range = await cluster.GetGrain<ITsoGrain>(0).AllocateAsync(1).WaitAsync(cancellationToken).ConfigureAwait(false);
        return range.First;
    }

    /// <summary>The silos of the cluster as its membership table lists them.</summary>
    /// <param name="onlyActive">Only silos that are active now.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<SiloMember>> GetSilosAsync(bool onlyActive = true, CancellationToken cancellationToken = default)
    {
        var hosts = await cluster.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive, cancellationToken)
            .ConfigureAwait(false);
        return [.. hosts
            .Select(h => new SiloMember(h.SiloAddress.ToParsableString(), h.SiloName, h.Status.ToString(), h.StartTime))
            .OrderBy(s => s.Address, StringComparer.Ordinal)];
    }
}

/// <summary>One silo of the cluster.</summary>
/// <param name="Address">Orleans silo address (endpoint and generation).</param>
/// <param name="Name">The silo's name.</param>
/// <param name="Status">Membership status: Active, ShuttingDown, Dead, …</param>
/// <param name="StartedAt">When the silo started.</param>
public sealed record SiloMember(string Address, string Name, string Status, DateTime StartedAt);
