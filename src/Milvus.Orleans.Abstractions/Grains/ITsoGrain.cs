namespace Milvus.Orleans.Grains;

/// <summary>
/// The timestamp oracle: hands out strictly increasing hybrid timestamps, cluster-wide, and never
/// hands out a timestamp at or below one it handed out before, across any restart. Key: 0.
/// </summary>
public interface ITsoGrain : IGrainWithIntegerKey
{
    /// <summary>Largest <c>count</c> one call may ask for.</summary>
    const int MaxBatch = 65_536;

    /// <summary>Allocates <paramref name="count"/> consecutive timestamps (1..<see cref="MaxBatch"/>).</summary>
    Task<TimestampRange> AllocateAsync(int count);

    /// <summary>
    /// One fresh timestamp, above every one handed out before: what a client needs for a strong read. Clients get one
    /// at a time, so none can push the oracle's clock ahead of real time by asking for large ranges.
    /// </summary>
    [ClientFacing]
    Task<HybridTimestamp> NextAsync();
}
