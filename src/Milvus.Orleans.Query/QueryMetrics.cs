using System.Diagnostics.Metrics;

namespace Milvus.Orleans.Query;

/// <summary>The read side's instruments on the <c>Milvus.Orleans</c> meter, which the service defaults export.</summary>
internal static class QueryMetrics
{
    private static readonly Meter Meter = new("Milvus.Orleans");

    /// <summary>Seconds to build one segment's HNSW graph.</summary>
    public static readonly Histogram<double> IndexBuild = Meter.CreateHistogram<double>("milvus.query.index.build", "s");

    /// <summary>Milliseconds a shard's delegator took for a search, waiting for consistency included.</summary>
    public static readonly Histogram<double> SearchDuration = Meter.CreateHistogram<double>("milvus.search.duration", "ms");

    /// <summary>Milliseconds a shard's delegator waited for its shard to apply what the consistency level needs.</summary>
    public static readonly Histogram<double> ConsistencyWait = Meter.CreateHistogram<double>("milvus.search.consistency_wait", "ms");

    /// <summary>Milliseconds a shard's delegator took for a query.</summary>
    public static readonly Histogram<double> QueryDuration = Meter.CreateHistogram<double>("milvus.query.duration", "ms");
}

/// <summary>Compaction's instruments on the <c>Milvus.Orleans</c> meter.</summary>
internal static class CompactionMetrics
{
    private static readonly Meter Meter = new("Milvus.Orleans");

    /// <summary>Segments replaced by compacted ones.</summary>
    public static readonly Counter<long> Segments = Meter.CreateCounter<long>("milvus.compaction.segments", "{segment}");

    /// <summary>Bytes of segment files compaction read.</summary>
    public static readonly Counter<long> BytesRead = Meter.CreateCounter<long>("milvus.compaction.bytes.read", "By");

    /// <summary>Bytes of segment files compaction wrote.</summary>
    public static readonly Counter<long> BytesWritten = Meter.CreateCounter<long>("milvus.compaction.bytes.written", "By");

    /// <summary>Rows compaction left out: deleted or expired before the retention window.</summary>
    public static readonly Counter<long> RowsRemoved = Meter.CreateCounter<long>("milvus.compaction.rows.removed", "{row}");

    /// <summary>Seconds to write one compacted segment, its graphs included.</summary>
    public static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("milvus.compaction.duration", "s");
}
