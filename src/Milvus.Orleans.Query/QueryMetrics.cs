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
