namespace Milvus.Orleans.Grains;

/// <summary>
/// Deletes the history files of dropped collections and partitions once <c>Milvus:History:RetentionHours</c> passed
/// (key 0). Every silo asks it to sweep every few minutes; sweeps run one at a time. Not for clients.
/// </summary>
public interface IHistoryCollectorGrain : IGrainWithIntegerKey
{
    /// <summary>Deletes what is due now; returns how many files were deleted.</summary>
    Task<int> SweepAsync();
}
