namespace Milvus.Orleans.Grains;

/// <summary>
/// The silo side of a collection's compaction grain (key: the collection id): in this namespace, so clients may not
/// call it (they have <see cref="ICompactionGrain"/>).
/// </summary>
internal interface ICompactionSchedule : IGrainWithIntegerKey
{
    /// <summary>Changes with every new segment swapped in for its inputs (and when the grain starts again).</summary>
    Task<string> GetVersionAsync();

    /// <summary>Starts a compaction unless one runs, or the last finished less than <paramref name="interval"/> ago.</summary>
    Task CompactIfDueAsync(TimeSpan interval);
}
