using Milvus.Orleans.Channels;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Milvus.Orleans.Streaming.Placement;

/// <summary>Places a grain keyed by a pchannel or vchannel name on the silo its pchannel is bound to.</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
internal sealed class ChannelPlacement : PlacementStrategy;

/// <summary>Marks a grain class for <see cref="ChannelPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
internal sealed class ChannelPlacementAttribute() : PlacementAttribute(new ChannelPlacement());

/// <summary>
/// Puts <c>WalGrain</c>, its <c>VChannelGrain</c>s and its <c>RecoveryGrain</c> on the pchannel's bound silo. When the
/// binding names no live silo (a move in progress) the grain starts here and refuses work until the move is done.
/// </summary>
internal sealed class ChannelPlacementDirector(ChannelDirectory directory) : IPlacementDirector
{
    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var compatible = context.GetCompatibleSilos(target);
        var pchannel = ChannelNames.PChannelOf(target.GrainIdentity.Key.ToString()!);
        var binding = await directory.GetBindingAsync(pchannel).ConfigureAwait(false);
        if (binding?.Silo is { } owner && compatible.Contains(owner))
        {
            return owner;
        }

        return compatible.Contains(context.LocalSilo) ? context.LocalSilo : compatible[0];
    }
}
