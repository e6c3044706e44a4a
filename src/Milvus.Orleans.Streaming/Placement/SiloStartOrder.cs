namespace Milvus.Orleans.Streaming.Placement;

/// <summary>Silos in the order they started: by generation, then address. Every silo computes the same order from the same membership.</summary>
public static class SiloStartOrder
{
    public static IComparer<SiloAddress> Comparer { get; } = Comparer<SiloAddress>.Create(
        (a, b) => a.Generation != b.Generation ? a.Generation.CompareTo(b.Generation) : string.CompareOrdinal(a.ToParsableString(), b.ToParsableString()));
}
