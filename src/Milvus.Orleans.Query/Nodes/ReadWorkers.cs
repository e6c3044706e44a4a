namespace Milvus.Orleans.Query.Nodes;

/// <summary>
/// Runs the query nodes' searches and queries on the thread pool, at most one per core at a time across the silo:
/// a node's grain turns only route, so one segment is searched by every core, and a burst of reads queues here
/// instead of starving the silo's other work.
/// </summary>
internal sealed class ReadWorkers : IDisposable
{
    private readonly SemaphoreSlim _cores = new(Environment.ProcessorCount, Environment.ProcessorCount);

    public async Task<T> RunAsync<T>(Func<T> read)
    {
        await _cores.WaitAsync().ConfigureAwait(false);
        try
        {
            return await Task.Run(read).ConfigureAwait(false);
        }
        finally
        {
            _cores.Release();
        }
    }

    public void Dispose() => _cores.Dispose();
}
