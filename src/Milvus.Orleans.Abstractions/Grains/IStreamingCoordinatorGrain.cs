using Orleans.Concurrency;

namespace Milvus.Orleans.Grains;

/// <summary>Which silo owns a pchannel, and with which term.</summary>
/// <param name="PChannel">The pchannel.</param>
/// <param name="Silo">The owner, or null while no silo is active.</param>
/// <param name="Term">Grows on every reassignment; the owner opens the log with it, fencing older owners.</param>
[GenerateSerializer, Immutable]
public sealed record ChannelBinding(
    [property: Id(0)] string PChannel,
    [property: Id(1)] SiloAddress? Silo,
    [property: Id(2)] long Term);

/// <summary>Every pchannel's binding, and a version that grows on every change.</summary>
[GenerateSerializer, Immutable]
public sealed record ChannelTopology(
    [property: Id(0)] long Version,
    [property: Id(1)] IReadOnlyList<ChannelBinding> Channels)
{
    /// <summary>The binding of <paramref name="pchannel"/>, or null if the pchannel is not configured.</summary>
    public ChannelBinding? Binding(string pchannel) =>
        Channels.FirstOrDefault(c => string.Equals(c.PChannel, pchannel, StringComparison.Ordinal));
}

/// <summary>
/// The streaming coordinator (key 0): binds each pchannel to one active silo with a growing term, moves the
/// pchannels of a silo that died, and rebalances with few moves when a silo joins.
/// </summary>
public interface IStreamingCoordinatorGrain : IGrainWithIntegerKey
{
    /// <summary>The current topology.</summary>
    [ClientFacing]
    Task<ChannelTopology> GetTopologyAsync();

    /// <summary>The topology once its version exceeds <paramref name="knownVersion"/>, or the current one after <paramref name="maxWait"/>.</summary>
    [AlwaysInterleave]
    Task<ChannelTopology> WatchTopologyAsync(long knownVersion, TimeSpan maxWait);

    /// <summary>
    /// An owner found the log held by <paramref name="storageTerm"/> ≥ its own: the coordinator's terms are behind
    /// storage (state lost), so it moves the binding past it.
    /// </summary>
    Task ReportFencedAsync(string pchannel, long storageTerm);
}
