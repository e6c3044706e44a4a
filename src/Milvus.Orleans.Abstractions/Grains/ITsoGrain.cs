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
}
