using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Channels;
using Milvus.Orleans.Wal;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Milvus.Orleans.Streaming.Placement;

/// <summary>Places a grain keyed by a pchannel or vchannel name on the silo its pchannel is bound to.</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
internal sealed class ChannelPlacement : PlacementStrategy;

/// <summary>Marks a grain class for <see cref="ChannelPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ChannelPlacementAttribute() : PlacementAttribute(new ChannelPlacement());

/// <summary>
/// Puts <c>WalGrain</c>, its <c>VChannelGrain</c>s, its <c>RecoveryGrain</c> and the first replica of each shard's
/// query delegator on the pchannel's bound silo; replica r of a delegator r silos after it (in start order), where it
/// reads the log from storage. When the binding names no live silo (a move in progress) the grain starts here and
/// refuses work until the move is done.
/// </summary>
internal sealed partial class ChannelPlacementDirector(ChannelDirectory directory, IOptions<WalOptions> wal, ILogger<ChannelPlacementDirector> logger) : IPlacementDirector
{
    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var compatible = context.GetCompatibleSilos(target);
        var pchannel = ChannelNames.PChannelOf(target.GrainIdentity.Key.ToString()!);
        // Activations are rare and must land right: ask the coordinator rather than trust this silo's copy.
        var binding = await directory.GetFreshBindingAsync(pchannel).ConfigureAwait(false);
        if (binding?.Silo is { } owner && compatible.Contains(owner))
        {
            // Without the WAL the log lives only in its owner's memory: every replica reads it there.
            if (ChannelNames.ReplicaOfDelegator(target.GrainIdentity.Key.ToString()!) is > 0 and var replica && wal.Value.Enable)
            {
                var ordered = compatible.Order(SiloStartOrder.Comparer).ToArray();
                return ordered[(Array.IndexOf(ordered, owner) + replica) % ordered.Length];
            }

            return owner;
        }

        var fallback = compatible.Contains(context.LocalSilo) ? context.LocalSilo : compatible[0];
        LogNoOwner(logger, target.GrainIdentity, binding?.Silo, compatible.Length, fallback);
        return fallback;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Grain}: owner {Owner} is not among the {Compatible} compatible silos; placing on {Fallback}")]
    private static partial void LogNoOwner(ILogger logger, GrainId grain, SiloAddress? owner, int compatible, SiloAddress fallback);
}
