using System.Diagnostics.Metrics;

namespace Milvus.Orleans.Streaming.Recovery;

/// <summary>Recovery's and flush's instruments on the <c>Milvus.Orleans</c> meter, which the service defaults export.</summary>
internal static class RecoveryMetrics
{
    private static readonly Meter Meter = new("Milvus.Orleans");

    /// <summary>Log records taken again after a pchannel was opened, before it took writes.</summary>
    public static readonly Counter<long> Replayed = Meter.CreateCounter<long>("milvus.recovery.replayed", "{record}");

    /// <summary>Log bytes taken again after a pchannel was opened, before it took writes.</summary>
    public static readonly Counter<long> ReplayedBytes = Meter.CreateCounter<long>("milvus.recovery.replayed.bytes", "By");

    /// <summary>Milliseconds from a pchannel's recovery start (checkpoint read) to its replay reaching the durable end.</summary>
    public static readonly Histogram<double> ReplayDuration = Meter.CreateHistogram<double>("milvus.recovery.duration", "ms");

    /// <summary>Log records recovery could not read and went past (<c>RecoveryErrorIgnore</c>).</summary>
    public static readonly Counter<long> Skipped = Meter.CreateCounter<long>("milvus.recovery.skipped", "{record}");

    /// <summary>Sealed segments written to history.</summary>
    public static readonly Counter<long> SegmentsWritten = Meter.CreateCounter<long>("milvus.history.segments", "{segment}");

    /// <summary>Milliseconds from a flush call to history holding everything before its barrier.</summary>
    public static readonly Histogram<double> FlushDuration = Meter.CreateHistogram<double>("milvus.flush.duration", "ms");
}
