namespace Milvus.Orleans;

/// <summary>
/// <see cref="Count"/> consecutive timestamps starting at <see cref="First"/>, handed out by the TSO.
/// </summary>
[GenerateSerializer, Immutable]
public readonly record struct TimestampRange(
    [property: Id(0)] HybridTimestamp First,
    [property: Id(1)] int Count)
{
    /// <summary>The last timestamp of the range.</summary>
    public HybridTimestamp Last => new(First.Value + (ulong)Count - 1);
}
