using Milvus.Orleans.Grains;

namespace Milvus.Orleans.Streaming.Coordinator;

/// <summary>
/// Where pchannels go: every pchannel on an active silo, loads differing by at most one, reached with the fewest
/// moves. A pchannel whose silo is gone moves to the least-loaded active silo; when a silo joins, pchannels move
/// one at a time from the most-loaded silo until the loads are even. Every move takes the next term.
/// </summary>
internal static class ChannelBalancer
{
    public static IReadOnlyList<ChannelBinding> Balance(IReadOnlyList<ChannelBinding> current, IReadOnlyCollection<SiloAddress> active)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(active);
        var result = current.ToArray();
        if (active.Count == 0)
        {
            return result;
        }

        // Ties go to the silo that sorts first, so the outcome does not depend on dictionary order.
        var silos = active.OrderBy(s => s.ToParsableString(), StringComparer.Ordinal).ToArray();
        var load = silos.ToDictionary(s => s, _ => new List<int>());
        for (var i = 0; i < result.Length; i++)
        {
            if (result[i].Silo is { } silo && load.TryGetValue(silo, out var owned))
            {
                owned.Add(i);
            }
        }

        for (var i = 0; i < result.Length; i++)
        {
            if (result[i].Silo is not { } silo || !load.ContainsKey(silo))
            {
                var target = silos.MinBy(s => load[s].Count)!;
                result[i] = result[i] with { Silo = target, Term = result[i].Term + 1 };
                load[target].Add(i);
            }
        }

        while (true)
        {
            var most = silos.MaxBy(s => load[s].Count)!;
            var least = silos.MinBy(s => load[s].Count)!;
            if (load[most].Count - load[least].Count <= 1)
            {
                return result;
            }

            var moved = load[most][^1];
            load[most].RemoveAt(load[most].Count - 1);
            load[least].Add(moved);
            result[moved] = result[moved] with { Silo = least, Term = result[moved].Term + 1 };
        }
    }
}
