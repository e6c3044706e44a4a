using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Channels;
using Milvus.Orleans.Grains;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Query.Configuration;
using Milvus.Orleans.Query.Search;
using Milvus.Orleans.Query.Segments;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Query.Nodes;

/// <summary>A sealed segment in memory, with its HNSW graphs by vector field.</summary>
internal sealed record LoadedSegment(RowBlock Block, Dictionary<string, HnswIndex> Indexes)
{
    public HnswIndex? Index(string field) => Indexes.GetValueOrDefault(field);
}

/// <summary>
/// Loads sealed segments from history for query nodes, off their grains' turns: the rows, and for a segment of at
/// least <see cref="QueryOptions.IndexMinRows"/> rows an HNSW graph per vector field, read from beside the segment or
/// built (on the thread pool) and stored there, so the next node to take the segment loads it instead.
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
        var block = RowBlock.Sealed(schema, sealedSegment.Rows, sealedSegment.Timestamps);
        var indexes = new Dictionary<string, HnswIndex>(StringComparer.Ordinal);
        try
        {
            if (block.Count >= options.Value.IndexMinRows)
            {
                foreach (var field in schema.Fields.Where(f => f.Type == DataType.FloatVector))
                {
                    indexes[field.Name] = await IndexAsync(key, block, field).ConfigureAwait(false);
                }
            }
        }
        catch
        {
            foreach (var index in indexes.Values)
            {
                index.Dispose();
            }

            throw;
        }

        LogLoaded(logger, vchannel, segment.SegmentId, block.Count, indexes.Count, clock.Elapsed.TotalMilliseconds);
        return new LoadedSegment(block, indexes);
    }

    private async Task<HnswIndex> IndexAsync(SegmentKey key, RowBlock block, FieldSchema field)
    {
        var settings = options.Value;
        var name = string.Create(CultureInfo.InvariantCulture, $"hnsw-{field.Name}-{field.Metric}-m{settings.HnswM}-ef{settings.HnswEfConstruction}.usearch");
        var path = Path.Combine(Path.GetTempPath(), "milvus-index-" + Guid.NewGuid().ToString("N"));
        try
        {
            if (await history.ReadIndexAsync(key, name, path, CancellationToken.None).ConfigureAwait(false))
            {
                return HnswIndex.Load(path);
            }

            var clock = Stopwatch.StartNew();
            var index = await Task.Run(() => HnswIndex.Build(block.Vectors(field.Name), field.Dimension, field.Metric, settings.HnswM, settings.HnswEfConstruction)).ConfigureAwait(false);
            QueryMetrics.IndexBuild.Record(clock.Elapsed.TotalSeconds);
            index.Save(path);
            await history.WriteIndexAsync(key, name, path, CancellationToken.None).ConfigureAwait(false);
            return index;
        }
        finally
        {
            File.Delete(path);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded segment {SegmentId} of {VChannel} ({Rows} rows, {Indexes} HNSW graphs) in {Ms:F0} ms")]
    private static partial void LogLoaded(ILogger logger, string vchannel, long segmentId, int rows, int indexes, double ms);
}
