namespace Milvus.Orleans.Streaming.Configuration;

/// <summary>Configuration section <c>Milvus:Streaming</c>: physical channels and time ticks.</summary>
public sealed class StreamingOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "Milvus:Streaming";

    /// <summary>Number of physical channels (WALs) the vchannels of all collections share.</summary>
    public int PChannels { get; set; } = 16;

    /// <summary>How often an idle channel publishes a time tick, in milliseconds.</summary>
    public int TimeTickMs { get; set; } = 200;

    /// <summary>
    /// Whether grains can subscribe to vchannels through Orleans streaming (provider <c>milvus</c>). Off by default:
    /// its receivers decode every logged message, which costs inserts about a fifth of their throughput on 2 cores.
    /// </summary>
    public bool OrleansStreams { get; set; }
}

/// <summary>Configuration section <c>Milvus:Segment</c>: when growing segments are sealed.</summary>
public sealed class SegmentOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "Milvus:Segment";

    /// <summary>Seal a growing segment once it holds this much data, in MiB.</summary>
    public int MaxSizeMb { get; set; } = 512;

    /// <summary>
    /// Seal a growing segment that received nothing for this long, in seconds: an idle collection's data then reaches
    /// history and the log behind it may be truncated, so an idle collection never pins the log (Milvus' segment
    /// <c>maxIdleTime</c>).
    /// </summary>
    public int FlushIntervalSeconds { get; set; } = 600;

    /// <summary>Seal a growing segment this long after it was opened, in hours.</summary>
    public int LifetimeHours { get; set; } = 24;
}

/// <summary>Configuration section <c>Milvus:Message</c>: limits on WAL messages.</summary>
public sealed class MessageOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "Milvus:Message";

    /// <summary>A write larger than this is split into a transaction, in bytes.</summary>
    public int MaxBytes { get; set; } = 2 * 1024 * 1024;
}

/// <summary>Configuration section <c>Milvus:History</c>: how long history outlives what was dropped.</summary>
public sealed class HistoryOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "Milvus:History";

    /// <summary>
    /// How long the history files of a dropped collection or partition are kept before they are deleted, in hours
    /// (0: at the next sweep, every few minutes).
    /// </summary>
    public int RetentionHours { get; set; } = 24;
}
