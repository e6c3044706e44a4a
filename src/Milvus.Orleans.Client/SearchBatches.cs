using System.Diagnostics;
using Milvus.Orleans.Query;

namespace Milvus.Orleans.Client;

/// <summary>
/// What makes searches of one collection answerable by one request: everything but the vectors and the guarantee,
/// and the same caller (<see cref="Token"/>, which travels with the batch), so that a client serving many users never
/// sends one user's search under another's token.
/// </summary>
internal readonly record struct SearchShape(
    long CollectionId, string Field, int TopK, string? Filter, string OutputFields, ConsistencyLevel Consistency, int Ef, bool Exact, string? Token, string? Partitions);

/// <summary>
/// Group commit for searches: while <see cref="InFlight"/> searches of one shape are out, the searches that come meanwhile
/// wait and then go together as one multi-vector request, so under load each shard, delegator and query node is
/// asked once per batch instead of once per vector. A search that finds a free slot goes at once, so one caller
/// alone waits for nothing. A batch reads at the newest guarantee of its searches, which satisfies each of them.
/// </summary>
internal sealed class SearchBatches
{
    /// <summary>Requests of one shape out at once; more concurrent searches wait and go as one batch.</summary>
    private const int InFlight = 2;

    /// <summary>The most query vectors in one batch.</summary>
    private const int MaxQueries = 64;

    /// <summary>The most vector values in one batch (1 MiB of floats), so a batch stays a small message.</summary>
    private const int MaxValues = 262_144;

    private readonly Lock _lock = new();
    private readonly Dictionary<SearchShape, int> _inFlight = [];
    private readonly Dictionary<SearchShape, Queue<Batch>> _waiting = [];

    /// <summary>
    /// Each query vector's hits: sent now through <paramref name="send"/> (the flattened vectors, the guarantee) when
    /// a slot is free, or else with the next batch of the same shape.
    /// </summary>
    public async Task<IReadOnlyList<SearchHits>> SearchAsync(
        SearchShape shape,
        float[] vectors,
        int queries,
        HybridTimestamp guarantee,
        Func<float[], HybridTimestamp, Task<IReadOnlyList<SearchHits>>> send,
        CancellationToken cancellationToken)
    {
        Batch? batch = null;
        var offset = 0;
        lock (_lock)
        {
            if (_inFlight.GetValueOrDefault(shape) < InFlight)
            {
                _inFlight[shape] = _inFlight.GetValueOrDefault(shape) + 1;
            }
            else
            {
                if (!_waiting.TryGetValue(shape, out var queue))
                {
                    _waiting[shape] = queue = new Queue<Batch>();
                }

                if (queue.Count == 0 || !queue.Last().Fits(queries, vectors.Length))
                {
                    queue.Enqueue(new Batch(send));
                }

                batch = queue.Last();
                offset = batch.Add(vectors, queries, guarantee);
            }
        }

        if (batch is null)
        {
            var alone = SendAloneAsync(shape, vectors, guarantee, send);
            return await alone.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var hits = await batch.Hits.WaitAsync(cancellationToken).ConfigureAwait(false);
        return [.. hits.Skip(offset).Take(queries)];
    }

    private async Task<IReadOnlyList<SearchHits>> SendAloneAsync(
        SearchShape shape, float[] vectors, HybridTimestamp guarantee, Func<float[], HybridTimestamp, Task<IReadOnlyList<SearchHits>>> send)
    {
        try
        {
            return await send(vectors, guarantee).ConfigureAwait(false);
        }
        finally
        {
            Done(shape);
        }
    }

    /// <summary>A request of <paramref name="shape"/> is back: the oldest batch waiting goes in its slot.</summary>
    private void Done(SearchShape shape)
    {
        Batch? next = null;
        lock (_lock)
        {
            if (_waiting.TryGetValue(shape, out var queue))
            {
                next = queue.Dequeue();
                if (queue.Count == 0)
                {
                    _waiting.Remove(shape);
                }
            }
            else if (--_inFlight[shape] == 0)
            {
                _inFlight.Remove(shape);
            }
        }

        if (next is not null)
        {
            _ = SendAsync(shape, next);
        }
    }

    private async Task SendAsync(SearchShape shape, Batch batch)
    {
        // Not a part of the trace of the search that made room for it.
        Activity.Current = null;
        try
        {
            batch.Complete(await batch.Send([.. batch.Vectors], batch.Guarantee).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            batch.Fail(ex);
        }
        finally
        {
            Done(shape);
        }
    }

    /// <summary>Searches waiting to go together.</summary>
    private sealed class Batch(Func<float[], HybridTimestamp, Task<IReadOnlyList<SearchHits>>> send)
    {
        private readonly TaskCompletionSource<IReadOnlyList<SearchHits>> _hits = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Func<float[], HybridTimestamp, Task<IReadOnlyList<SearchHits>>> Send { get; } = send;

        public List<float> Vectors { get; } = [];

        public HybridTimestamp Guarantee { get; private set; }

        public Task<IReadOnlyList<SearchHits>> Hits => _hits.Task;

        private int Queries { get; set; }

        public bool Fits(int queries, int values) => Queries + queries <= MaxQueries && Vectors.Count + values <= MaxValues;

        /// <summary>Adds a search; returns the position of its first query vector in the batch.</summary>
        public int Add(float[] vectors, int queries, HybridTimestamp guarantee)
        {
            var offset = Queries;
            Vectors.AddRange(vectors);
            Queries += queries;
            Guarantee = guarantee.Value > Guarantee.Value ? guarantee : Guarantee;
            return offset;
        }

        public void Complete(IReadOnlyList<SearchHits> hits) => _hits.TrySetResult(hits);

        public void Fail(Exception error) => _hits.TrySetException(error);
    }
}
