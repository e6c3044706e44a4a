namespace Milvus.Orleans.Streaming.Recovery;

/// <summary>
/// A process writes one sealed segment to history at a time. Writing a segment encodes Parquet in long synchronous
/// stretches on the thread pool; when several pchannels sealed at once (under memory pressure they do), they held the
/// process' few pool threads and appends waited behind them. The gate is the process' because the pool is: silos
/// hosted together (tests, benchmarks) share one. Streaming benchmark, three silos in one process: append p99 from
/// 214-544 ms to 54-64 ms (3.3-3.8 × p50), inserts from 143-159k to 192-209k rows/s; one gate per silo there gave
/// p99 98-185 ms.
/// </summary>
internal static class SegmentWrites
{
    private static readonly SemaphoreSlim One = new(1, 1);

    /// <summary>Runs <paramref name="write"/> once no other segment of this process is being written.</summary>
    public static async Task<T> RunAsync<T>(Func<Task<T>> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await One.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await write().ConfigureAwait(false);
        }
        finally
        {
            One.Release();
        }
    }
}
