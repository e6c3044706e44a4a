using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Channels;
using Milvus.Orleans.Grains;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Hnsw;
using Milvus.Orleans.Query.Configuration;
using Milvus.Orleans.Query.Segments;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Query.Nodes;

/// <summary>
/// A sealed segment in memory. It is searched exactly from the moment its rows are loaded, and through its HNSW
/// graphs once <see cref="Indexed"/> completes; graphs built for a segment released meanwhile are disposed. A graph
/// disposed while a search reads it is freed when that search is done.
/// </summary>
internal sealed class LoadedSegment(RowBlock block) : IDisposable
{
    private readonly Lock _lock = new();
    private IReadOnlyDictionary<string, HnswGraph> _indexes = new Dictionary<string, HnswGraph>(StringComparer.Ordinal);
    private bool _released;

    public RowBlock Block { get; } = block;

    /// <summary>Completes when the segment's graphs are ready (at once for a segment too small for one), or failed.</summary>
    public Task Indexed { get; set; } = Task.CompletedTask;

    /// <summary>Why the segment's graphs could not be built (it is searched exactly), or null.</summary>
    public string? IndexFailure { get; set; }

    /// <summary>Whether the segment is searched as its fields' indexes say: graphs ready, or none needed.</summary>
    public bool IsIndexed => Indexed.IsCompleted && IndexFailure is null;

    /// <summary>
    /// A reader of the graph of <paramref name="field"/>, or null while it is built (or when the segment is too small
    /// or released); the caller disposes it.
    /// </summary>
    public HnswReader? Read(string field)
    {
        lock (_lock)
        {
            return _released ? null : _indexes.GetValueOrDefault(field)?.Read();
        }
    }

    public void Ready(IReadOnlyDictionary<string, HnswGraph> indexes)
    {
        lock (_lock)
        {
            if (_released)
            {
                Dispose(indexes);
                return;
            }

            _indexes = indexes;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _released = true;
            Dispose(_indexes);
        }
    }

    private static void Dispose(IReadOnlyDictionary<string, HnswGraph> indexes)
    {
        foreach (var index in indexes.Values)
        {
            index.Dispose();
        }
    }
}

/// <summary>
/// Loads sealed segments from history for query nodes, off their grains' turns: the rows first (the segment is
/// searchable, exactly, from then on), then for a segment of at least <see cref="QueryOptions.IndexMinRows"/> rows an
/// HNSW graph per vector field (but those with a FLAT index) in the background, read from beside the segment or built
/// and stored there, so the next node to take the segment loads it instead. A field's <see cref="VectorIndex"/> gives
/// the graph's parameters; the silos' <c>Hnsw*</c> settings fill what it leaves open.
/// </summary>
internal sealed partial class SegmentLoader(IHistoryStore history, IOptions<QueryOptions> options, ILogger<SegmentLoader> logger)
{
    public async Task<LoadedSegment> LoadAsync(string vchannel, CollectionSchema schema, SegmentRef segment)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(segment);
        var (_, collectionId, _) = ChannelNames.ParseVChannel(vchannel);
        var key = new SegmentKey(collectionId, segment.PartitionId, segment.SegmentId);
        var clock = Stopwatch.StartNew();
        var sealedSegment = await history.ReadSegmentAsync(key, schema, CancellationToken.None).ConfigureAwait(false)
            ?? throw new MilvusException(ErrorCode.SegmentNotLoaded, $"Segment {collectionId}/{segment.PartitionId}/{segment.SegmentId} is not in history.");
        var loaded = new LoadedSegment(RowBlock.Sealed(schema, sealedSegment.Rows, sealedSegment.Timestamps));
        LogLoaded(logger, vchannel, segment.SegmentId, loaded.Block.Count, clock.Elapsed.TotalMilliseconds);
        if (loaded.Block.Count >= options.Value.IndexMinRows && Graphed(schema).Any())
        {
            loaded.Indexed = Task.Run(() => IndexAllAsync(vchannel, key, loaded, schema));
        }

        return loaded;
    }

    private async Task IndexAllAsync(string vchannel, SegmentKey key, LoadedSegment segment, CollectionSchema schema)
    {
        var clock = Stopwatch.StartNew();
        var indexes = new Dictionary<string, HnswGraph>(StringComparer.Ordinal);
        var reconnected = 0;
        try
        {
            foreach (var field in Graphed(schema))
            {
                var index = await IndexAsync(key, segment.Block, field).ConfigureAwait(false);
                indexes[field.Name] = index;
                reconnected += index.Reconnected;
            }
        }
        catch (Exception ex)
        {
            foreach (var index in indexes.Values)
            {
                index.Dispose();
            }

            // Searched exactly, as a small segment is; the next node to load it tries again.
            segment.IndexFailure = ex.Message;
            LogIndexFailed(logger, vchannel, key.SegmentId, ex);
            return;
        }

        segment.Ready(indexes);
        LogIndexed(logger, vchannel, key.SegmentId, indexes.Count, clock.Elapsed.TotalMilliseconds, reconnected);
    }

    /// <summary>
    /// Builds the graphs of a segment not listed yet (compaction's output) and stores them beside it, so the nodes
    /// that load it find them; a segment too small for graphs gets none.
    /// </summary>
    public async Task StoreGraphsAsync(SegmentKey key, RowBlock block, CollectionSchema schema)
    {
        ArgumentNullException.ThrowIfNull(block);
        if (block.Count < options.Value.IndexMinRows)
        {
            return;
        }

        foreach (var field in Graphed(schema))
        {
            var (name, m, efConstruction) = GraphOf(field);
            var path = Path.Combine(Path.GetTempPath(), "milvus-index-" + Guid.NewGuid().ToString("N"));
            using var graph = await BuildAsync(key, block, field, m, efConstruction).ConfigureAwait(false);
            await StoreAsync(key, name, graph, path).ConfigureAwait(false);
        }
    }

    private async Task<HnswGraph> IndexAsync(SegmentKey key, RowBlock block, FieldSchema field)
    {
        var (name, m, efConstruction) = GraphOf(field);
        var path = Path.Combine(Path.GetTempPath(), "milvus-index-" + Guid.NewGuid().ToString("N"));
        try
        {
            if (await history.ReadIndexAsync(key, name, path, CancellationToken.None).ConfigureAwait(false))
            {
                return HnswGraph.Load(path, readers: Environment.ProcessorCount);
            }
        }
        finally
        {
            File.Delete(path);
        }

        var index = await BuildAsync(key, block, field, m, efConstruction).ConfigureAwait(false);
        // Searched from now on; stored beside the segment meanwhile, for the next node that loads it.
        _ = Task.Run(() => StoreAsync(key, name, index, path));
        return index;
    }

    /// <summary>The stored name and parameters of <paramref name="field"/>'s graph: its index's, the silo's settings filling what it leaves open.</summary>
    private (string Name, int M, int EfConstruction) GraphOf(FieldSchema field)
    {
        var settings = options.Value;
        var (m, efConstruction) = (field.Index?.M is > 0 and var given ? given : settings.HnswM, field.Index?.EfConstruction is > 0 and var breadth ? breadth : settings.HnswEfConstruction);
        return (string.Create(CultureInfo.InvariantCulture, $"hnsw-{field.Name}-{field.Metric}-m{m}-ef{efConstruction}.usearch"), m, efConstruction);
    }

    private static async Task<HnswGraph> BuildAsync(SegmentKey key, RowBlock block, FieldSchema field, int m, int efConstruction)
    {
        var clock = Stopwatch.StartNew();
        // On every core: the segment is searched exactly, and slowly, until its graph is ready.
        var index = await Task.Factory.StartNew(
            () => HnswGraph.Build(
                block.Vectors(field.Name), field.Dimension, Metric(field.Metric), m, efConstruction, threads: Environment.ProcessorCount, readers: Environment.ProcessorCount),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).ConfigureAwait(false);
        QueryMetrics.IndexBuild.Record(
            clock.Elapsed.TotalSeconds, new KeyValuePair<string, object?>("milvus.collection", key.CollectionId), new KeyValuePair<string, object?>("milvus.segment", key.SegmentId));
        return index;
    }

    /// <summary>Stores a built graph beside its segment; a graph released meanwhile is not stored (its save fails).</summary>
    private async Task StoreAsync(SegmentKey key, string name, HnswGraph index, string path)
    {
        try
        {
            index.Save(path);
            await history.WriteIndexAsync(key, name, path, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The next node to load the segment builds the graph again.
            LogStoreFailed(logger, key.SegmentId, ex);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The vector fields searched through a graph: all but those indexed FLAT.</summary>
    private static IEnumerable<FieldSchema> Graphed(CollectionSchema schema) =>
        schema.Fields.Where(f => f.Type == DataType.FloatVector && f.Index?.Kind != IndexKind.Flat);

    private static HnswMetric Metric(MetricType metric) => metric switch
    {
        MetricType.IP => HnswMetric.InnerProduct,
        MetricType.Cosine => HnswMetric.Cosine,
        _ => HnswMetric.L2Squared,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded segment {SegmentId} of {VChannel} ({Rows} rows) in {Ms:F0} ms")]
    private static partial void LogLoaded(ILogger logger, string vchannel, long segmentId, int rows, double ms);

    [LoggerMessage(Level = LogLevel.Information, Message = "Segment {SegmentId} of {VChannel}: {Indexes} HNSW graphs ready in {Ms:F0} ms ({Reconnected} rows the concurrent build stranded, linked again)")]
    private static partial void LogIndexed(ILogger logger, string vchannel, long segmentId, int indexes, double ms, int reconnected);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Segment {SegmentId}: storing its HNSW graph beside it failed")]
    private static partial void LogStoreFailed(ILogger logger, long segmentId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Segment {SegmentId} of {VChannel}: no HNSW graph; it is searched exactly")]
    private static partial void LogIndexFailed(ILogger logger, string vchannel, long segmentId, Exception exception);
}
