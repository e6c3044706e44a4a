using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Milvus.Orleans.Query.Nodes;

/// <summary>Spreads query nodes over the silos: node <c>n</c> goes to the <c>n mod silos</c>-th compatible silo.</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
internal sealed class QueryNodePlacement : PlacementStrategy;

/// <summary>Marks a grain class for <see cref="QueryNodePlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
internal sealed class QueryNodePlacementAttribute() : PlacementAttribute(new QueryNodePlacement());

/// <summary>
/// Places query node <c>n</c> on the silos in address order, round robin, so nodes land on different silos while
/// there are enough. A node whose silo died is placed again among the live ones on its next call.
/// </summary>
internal sealed class QueryNodePlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var silos = context.GetCompatibleSilos(target).OrderBy(s => s.ToParsableString(), StringComparer.Ordinal).ToArray();
        var node = target.GrainIdentity.GetIntegerKey();
        return Task.FromResult(silos[(int)(Math.Abs(node) % silos.Length)]);
    }
}
