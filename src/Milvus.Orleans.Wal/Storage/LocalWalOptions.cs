namespace Milvus.Orleans.Wal.Storage;

/// <summary>The local segment-file back-end.</summary>
public sealed class LocalWalOptions
{
    /// <summary>Directory holding one folder per log; shared by every silo that may own a log.</summary>
    public required string Path { get; init; }

    /// <summary>A segment rolls once it reaches this size.</summary>
    public long SegmentBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>When appended bytes are made durable; appends are acknowledged only after that.</summary>
    public WalDurability Durability { get; init; } = WalDurability.EveryBatch;

    /// <summary>Skip and count a corrupt record (true) or fail with <see cref="WalCorruptException"/> (false).</summary>
    public bool RecoveryErrorIgnore { get; init; } = true;

    /// <summary>Largest batch written with one write and one flush.</summary>
    public int MaxBatchBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>How often a reader that follows a log written by another process looks for new records.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>The writes to segment files: the operating system's, or a test's that fails on purpose.</summary>
    public WalFiles Files { get; init; } = WalFiles.System;
}

/// <summary>When a writer flushes to stable storage. Either way, an append is acknowledged only once durable.</summary>
public sealed record WalDurability
{
    private WalDurability(TimeSpan interval) => Interval = interval;

    /// <summary>Flush after every batch (group commit): the lowest latency, one flush per batch.</summary>
    public static WalDurability EveryBatch { get; } = new(TimeSpan.Zero);

    /// <summary>Zero for <see cref="EveryBatch"/>; otherwise batches written within it share one flush.</summary>
    public TimeSpan Interval { get; }

    /// <summary>Flush at most once per <paramref name="interval"/>; appends wait for the flush that covers them.</summary>
    public static WalDurability Every(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        return new(interval);
    }
}

/// <summary>A record failed its checksum and <see cref="LocalWalOptions.RecoveryErrorIgnore"/> is off.</summary>
public sealed class WalCorruptException : Exception
{
    public WalCorruptException()
    {
    }

    public WalCorruptException(string message)
        : base(message)
    {
    }

    public WalCorruptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public WalCorruptException(string log, string segment, long offset)
        : base($"Log '{log}': corrupt record in segment {segment} at offset {offset}; set Milvus:Wal:RecoveryErrorIgnore=true to skip it.")
    {
        Log = log;
        Segment = segment;
        Offset = offset;
    }

    public string? Log { get; }

    public string? Segment { get; }

    public long Offset { get; }
}
