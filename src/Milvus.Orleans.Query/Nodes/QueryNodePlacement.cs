using Microsoft.Extensions.Options;
using Milvus.Orleans.Query.Configuration;
using Milvus.Orleans.Streaming.Placement;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Milvus.Orleans.Query.Nodes;

/// <summary>Spreads query nodes over the silos evenly (see <see cref="QueryNodeSilos"/>).</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
internal sealed class QueryNodePlacement : PlacementStrategy;

/// <summary>Marks a grain class for <see cref="QueryNodePlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
internal sealed class QueryNodePlacementAttribute() : PlacementAttribute(new QueryNodePlacement());

/// <summary>Places query node <c>n</c> on its silo among the compatible ones; a node whose silo died is placed again on its next call.</summary>
internal sealed class QueryNodePlacementDirector(IOptions<QueryOptions> options) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Task.FromResult(QueryNodeSilos.Of(target.GrainIdentity.GetIntegerKey(), options.Value.Nodes, context.GetCompatibleSilos(target)));
    }
}

/// <summary>
/// Which silo holds which query node: loads differ by at most one, and a silo that joins takes only its share. The
/// silos are taken in the order they started (oldest first), and each in turn takes its share of the nodes, one at a
/// time from the most loaded silo before it. So the assignment for silos s1..sk extends the one for s1..sk−1: a join
/// moves ⌊nodes / k⌋ nodes, all to the new silo, and every silo computes the same answer from the same membership.
/// </summary>
internal static class QueryNodeSilos
{
    /// <summary>
    /// The silo of node <paramref name="node"/> among <paramref name="silos"/>, with <paramref name="nodes"/> nodes per
    /// replica (see <see cref="NodeKey"/>).
    /// </summary>
    public static SiloAddress Of(long node, int nodes, IReadOnlyCollection<SiloAddress> silos)
    {
        ArgumentNullException.ThrowIfNull(silos);
        ArgumentOutOfRangeException.ThrowIfZero(silos.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        var ordered = silos.Order(SiloStartOrder.Comparer).ToArray();
        var owner = new int[nodes];
        var load = new int[ordered.Length];
        load[0] = nodes;
        for (var joined = 1; joined < ordered.Length; joined++)
        {
            for (var taken = 0; taken < nodes / (joined + 1); taken++)
            {
                var donor = MostLoaded(load, joined);
                var moved = Array.LastIndexOf(owner, donor);
                owner[moved] = joined;
                load[donor]--;
                load[joined]++;
            }
        }

        // Keys n + r × nodes are replica r's nodes: each replica's node n sits r silos after the first's, so the
        // replicas of a segment are on different silos while there are enough of them.
        var replica = (int)(Math.Max(0, node) / nodes % ordered.Length);
        return ordered[(owner[(int)(((node % nodes) + nodes) % nodes)] + replica) % ordered.Length];
    }

    /// <summary>The key of replica <paramref name="replica"/>'s query node <paramref name="node"/>.</summary>
    public static long NodeKey(int replica, int node, int nodes) => ((long)replica * nodes) + node;

    /// <summary>
    /// Where node <paramref name="node"/> should move now, or null to stay: its silo among the <paramref name="active"/>
    /// ones, when that silo joined after the node started (is not among <paramref name="known"/>). A node whose place
    /// changed only because a silo died stays: moving it would cost a reload and spread nothing.
    /// </summary>
    public static SiloAddress? MoveTarget(long node, int nodes, IReadOnlyCollection<SiloAddress> known, IReadOnlyCollection<SiloAddress> active)
    {
        ArgumentNullException.ThrowIfNull(known);
        ArgumentNullException.ThrowIfNull(active);
        if (active.Count == 0)
        {
            return null;
        }

        var target = Of(node, nodes, active);
        return known.Contains(target) ? null : target;
    }

    /// <summary>The most loaded of the first <paramref name="count"/> silos, the oldest among equals.</summary>
    private static int MostLoaded(int[] load, int count)
    {
        var most = 0;
        for (var i = 1; i < count; i++)
        {
            if (load[i] > load[most])
            {
                most = i;
            }
        }

        return most;
    }
}
