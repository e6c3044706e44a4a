using System.Buffers;

namespace Milvus.Orleans.Hnsw;

/// <summary>How a graph measures the distance between two vectors.</summary>
public enum HnswMetric
{
    /// <summary>Squared Euclidean distance.</summary>
    L2Squared,

    /// <summary>One minus the inner product.</summary>
    InnerProduct,

    /// <summary>One minus the cosine similarity.</summary>
    Cosine,
}

/// <summary>
/// An HNSW graph over rows of float vectors, keyed by row number (USearch). Built on several threads at once and
/// searched by as many readers at once as it was given; a reader keeps the native graph alive, so disposing
/// the graph while a search runs frees it when the last reader is done.
/// </summary>
public sealed class HnswGraph : IDisposable
{
    /// <summary>Checks for rows a concurrent build stranded, at most this many times.</summary>
    private const int MaxReconnectPasses = 4;

    private readonly GraphHandle _handle;

    /// <summary>The graph has one search context per reader; a search beyond that waits for one.</summary>
    private readonly SemaphoreSlim _searchers;

    private HnswGraph(GraphHandle handle, int readers)
    {
        _handle = handle;
        _searchers = new SemaphoreSlim(readers, readers);
    }

    /// <summary>
    /// Rows a concurrent build left unreachable from the graph's entry point (USearch issue 735: a row linked only
    /// to a neighbour still being linked itself), found by one search as broad as the graph and added again alone.
    /// </summary>
    public int Reconnected { get; private set; }

    /// <summary>Rows in the graph.</summary>
    public long Count
    {
        get
        {
            var size = UsearchNative.Size(_handle, out var error);
            UsearchNative.Check(error, "count the graph's rows");
            return (long)size;
        }
    }

    /// <summary>
    /// Builds the graph of <paramref name="vectors"/> (rows × <paramref name="dimension"/>), adding rows on
    /// <paramref name="threads"/> threads at once, to be searched by up to <paramref name="readers"/> at once.
    /// </summary>
    public static HnswGraph Build(
        float[] vectors, int dimension, HnswMetric metric, int connectivity, int expansionAdd, int threads, int readers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(readers, 1);
        if (vectors.Length % dimension != 0)
        {
            throw new ArgumentException($"{vectors.Length} values are not whole vectors of {dimension}.", nameof(vectors));
        }

        var graph = Create(metric, dimension, connectivity, expansionAdd, readers);
        try
        {
            var rows = vectors.Length / dimension;
            // Capacity first, then the thread counts: reserving resets them to the library's default.
            UsearchNative.Reserve(graph._handle, (nuint)rows, out var error);
            UsearchNative.Check(error, $"reserve {rows} rows");
            graph.SetThreads(threads, readers);
            OnThreads(rows, threads, row => graph.Add(row, vectors.AsSpan(row * dimension, dimension)), cancellationToken);
            if (threads > 1)
            {
                graph.Reconnected = graph.Reconnect(vectors, dimension, rows, cancellationToken);
            }

            return graph;
        }
        catch
        {
            graph.Dispose();
            throw;
        }
    }

    /// <summary>Reads a graph <see cref="Save"/> wrote, to be searched by up to <paramref name="readers"/> at once.</summary>
    public static HnswGraph Load(string path, int readers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(readers, 1);
        var options = default(UsearchNative.InitOptions);
        var graph = new HnswGraph(Init(ref options), readers);
        try
        {
            UsearchNative.Load(graph._handle, path, out var error);
            UsearchNative.Check(error, $"load '{path}'");
            graph.SetThreads(1, readers);
            return graph;
        }
        catch
        {
            graph.Dispose();
            throw;
        }
    }

    public void Save(string path)
    {
        UsearchNative.Save(_handle, path, out var error);
        UsearchNative.Check(error, $"save '{path}'");
    }

    /// <summary>A reader of the graph: until it is disposed, the native graph stays alive even if the graph is disposed.</summary>
    /// <exception cref="ObjectDisposedException">The graph was disposed before.</exception>
    public HnswReader Read() => new(this, _handle, _searchers);

    public void Dispose() => _handle.Dispose();

    private static HnswGraph Create(HnswMetric metric, int dimension, int connectivity, int expansionAdd, int readers)
    {
        var options = new UsearchNative.InitOptions
        {
            MetricKind = metric switch
            {
                HnswMetric.InnerProduct => (uint)Cloud.Unum.USearch.MetricKind.Ip,
                HnswMetric.Cosine => (uint)Cloud.Unum.USearch.MetricKind.Cos,
                _ => (uint)Cloud.Unum.USearch.MetricKind.L2sq,
            },
            Quantization = UsearchNative.Float32,
            Dimensions = (nuint)dimension,
            Connectivity = (nuint)connectivity,
            ExpansionAdd = (nuint)expansionAdd,
        };
        return new HnswGraph(Init(ref options), readers);
    }

    private static GraphHandle Init(ref UsearchNative.InitOptions options)
    {
        var handle = UsearchNative.Init(ref options, out var error);
        if (error != 0)
        {
            handle.Dispose();
        }

        UsearchNative.Check(error, "create a graph");
        return handle;
    }

    private void SetThreads(int threads, int readers)
    {
        UsearchNative.ChangeThreadsAdd(_handle, (nuint)threads, out var error);
        UsearchNative.Check(error, $"use {threads} threads to add");
        UsearchNative.ChangeThreadsSearch(_handle, (nuint)readers, out error);
        UsearchNative.Check(error, $"use {readers} threads to search");
    }

    /// <summary>
    /// Runs <paramref name="work"/> for every row on <paramref name="threads"/> threads of its own, each taking the next
    /// row: not the thread pool's, which a build of many seconds on every core would starve of the threads that serve
    /// the silo's requests.
    /// </summary>
    private static void OnThreads(int rows, int threads, Action<int> work, CancellationToken cancellationToken)
    {
        var next = -1;
        Exception? failure = null;
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            try
            {
                for (var row = Interlocked.Increment(ref next); row < rows && Volatile.Read(ref failure) is null; row = Interlocked.Increment(ref next))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    work(row);
                }
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref failure, ex, null);
            }
        }) { IsBackground = true, Name = "HNSW build" }).ToArray();
        foreach (var worker in workers)
        {
            worker.Start();
        }

        foreach (var worker in workers)
        {
            worker.Join();
        }

        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>
    /// Finds the rows a search cannot reach (one search as broad as the graph visits every row reachable from the
    /// entry point) and adds each again alone, so it is linked as a serial build links it; a re-add can in turn strand
    /// another row, so it checks again. Returns how many rows it added again.
    /// </summary>
    private int Reconnect(float[] vectors, int dimension, int rows, CancellationToken cancellationToken)
    {
        var reconnected = 0;
        for (var pass = 0; pass < MaxReconnectPasses; pass++)
        {
            var stranded = Unreached(vectors.AsSpan(0, dimension), rows);
            if (stranded.Count == 0)
            {
                break;
            }

            foreach (var row in stranded)
            {
                cancellationToken.ThrowIfCancellationRequested();
                UsearchNative.Remove(_handle, (ulong)row, out var error);
                UsearchNative.Check(error, $"remove row {row}");
                Add(row, vectors.AsSpan(row * dimension, dimension));
            }

            reconnected += stranded.Count;
        }

        return reconnected;
    }

    /// <summary>The rows one search of breadth <paramref name="rows"/> from <paramref name="query"/> does not reach.</summary>
    private unsafe List<int> Unreached(ReadOnlySpan<float> query, int rows)
    {
        var keys = new ulong[rows];
        var distances = new float[rows];
        nuint found;
        fixed (float* vector = query)
        fixed (ulong* reached = keys)
        fixed (float* scores = distances)
        {
            found = UsearchNative.Search(_handle.DangerousGetHandle(), vector, UsearchNative.Float32, (nuint)rows, reached, scores, out var error);
            UsearchNative.Check(error, "search the whole graph");
        }

        var seen = new bool[rows];
        foreach (var key in keys.AsSpan(0, (int)found))
        {
            seen[(int)key] = true;
        }

        var stranded = new List<int>();
        for (var row = 0; row < rows; row++)
        {
            if (!seen[row])
            {
                stranded.Add(row);
            }
        }

        return stranded;
    }

    private unsafe void Add(int row, ReadOnlySpan<float> vector)
    {
        fixed (float* values = vector)
        {
            UsearchNative.Add(_handle, (ulong)row, values, UsearchNative.Float32, out var error);
            UsearchNative.Check(error, $"add row {row}");
        }
    }
}

/// <summary>Searches an <see cref="HnswGraph"/>; holds the native graph alive until disposed.</summary>
public sealed class HnswReader : IDisposable
{
    private readonly GraphHandle _handle;
    private readonly SemaphoreSlim _searchers;
    private bool _disposed;

    internal HnswReader(HnswGraph graph, GraphHandle handle, SemaphoreSlim searchers)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        Graph = graph;
        _handle = handle;
        _searchers = searchers;
    }

    /// <summary>The graph read.</summary>
    public HnswGraph Graph { get; }

    /// <summary>
    /// Fills <paramref name="rows"/> with the rows nearest <paramref name="query"/>, nearest first, and returns how many
    /// it found; the search's breadth is at least <paramref name="rows"/>' length.
    /// </summary>
    public unsafe int Nearest(ReadOnlySpan<float> query, Span<ulong> rows)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var rented = ArrayPool<float>.Shared.Rent(rows.Length);
        _searchers.Wait();
        try
        {
            // The raw pointer: this reader's reference keeps it valid even after the graph is disposed.
            var graph = _handle.DangerousGetHandle();
            if (graph == 0)
            {
                throw new InvalidOperationException("The graph was freed under this reader.");
            }

            fixed (float* vector = query)
            fixed (ulong* keys = rows)
            fixed (float* distances = rented)
            {
                var found = UsearchNative.Search(graph, vector, UsearchNative.Float32, (nuint)rows.Length, keys, distances, out var error);
                UsearchNative.Check(error, "search");
                return (int)found;
            }
        }
        finally
        {
            _searchers.Release();
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _handle.DangerousRelease();
        }
    }
}
