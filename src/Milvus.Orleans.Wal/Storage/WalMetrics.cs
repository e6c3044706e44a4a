using System.Diagnostics.Metrics;

namespace Milvus.Orleans.Wal.Storage;

/// <summary>The WAL's instruments on the <c>Milvus.Orleans</c> meter, which the service defaults export over OTLP.</summary>
public static class WalMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Milvus.Orleans";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Milliseconds from an append call to its durable acknowledgement.</summary>
    public static readonly Histogram<double> AppendDuration = Meter.CreateHistogram<double>("milvus.wal.append.duration", "ms");

    /// <summary>Records per batch written with one write and one flush.</summary>
    public static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("milvus.wal.batch.size", "{record}");

    /// <summary>Bytes written to WAL storage, frames included.</summary>
    public static readonly Counter<long> Bytes = Meter.CreateCounter<long>("milvus.wal.bytes", "By");

    /// <summary>Flushes to stable storage.</summary>
    public static readonly Counter<long> Flushes = Meter.CreateCounter<long>("milvus.wal.fsyncs", "{flush}");

    /// <summary>Records readers got from the write-ahead buffer, without I/O.</summary>
    public static readonly Counter<long> BufferHits = Meter.CreateCounter<long>("milvus.wal.buffer.hits", "{record}");

    /// <summary>Records readers had to read from storage because the buffer no longer held them.</summary>
    public static readonly Counter<long> BufferMisses = Meter.CreateCounter<long>("milvus.wal.buffer.misses", "{record}");
}
