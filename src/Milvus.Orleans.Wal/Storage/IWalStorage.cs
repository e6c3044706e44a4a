namespace Milvus.Orleans.Wal.Storage;

/// <summary>
/// A place that holds named, append-only logs: local segment files, Azure append blobs, or memory.
/// Every back-end passes the same conformance suite.
/// </summary>
public interface IWalStorage
{
    /// <summary>The most bytes (frames included) one <see cref="IWalWriter.AppendAsync"/> may carry.</summary>
    long MaxAppendBytes => WalFrame.SizeOf(WalFrame.MaxPayload);

    /// <summary>
    /// Opens <paramref name="log"/> for writing with writer <paramref name="term"/>. Any writer with an older
    /// term is fenced from then on: its appends fail with <see cref="WalFencedException"/> and write nothing.
    /// Opening with a term older than the log's current one fails the same way.
    /// </summary>
    ValueTask<IWalWriter> OpenWriterAsync(string log, long term, CancellationToken cancellationToken);

    /// <summary>
    /// Reads the durable records of <paramref name="log"/> with <see cref="WalRecord.Id"/> ≥ <paramref name="from"/>,
    /// in order. With <paramref name="follow"/> the read waits for records appended later until cancelled;
    /// without it, the read ends at the durable end it found. Any number of readers run beside a writer.
    /// </summary>
    IAsyncEnumerable<WalRecord> ReadAsync(string log, WalPosition from, bool follow, CancellationToken cancellationToken);
}

/// <summary>The single writer of a log, holding a term.</summary>
public interface IWalWriter : IAsyncDisposable
{
    /// <summary>The log's name.</summary>
    string Log { get; }

    /// <summary>The writer's term.</summary>
    long Term { get; }

    /// <summary>Where the next appended record will start: the durable end of the log.</summary>
    WalPosition DurableEnd { get; }

    /// <summary>
    /// Appends <paramref name="entries"/> in order, contiguously, and returns their ids once they are durable.
    /// Concurrent calls are batched and share one flush to storage (group commit).
    /// </summary>
    ValueTask<IReadOnlyList<WalPosition>> AppendAsync(IReadOnlyList<WalEntry> entries, CancellationToken cancellationToken);

    /// <summary>
    /// Removes records before <paramref name="upTo"/> in whole segments: a record at or after it is never
    /// removed, a record before it may stay until its segment holds nothing at or after it.
    /// </summary>
    ValueTask TruncateAsync(WalPosition upTo, CancellationToken cancellationToken);
}

/// <summary>A writer with an older term tried to write after a newer writer took the log.</summary>
public sealed class WalFencedException : Exception
{
    public WalFencedException()
    {
    }

    public WalFencedException(string message)
        : base(message)
    {
    }

    public WalFencedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public WalFencedException(string log, long term, long currentTerm)
        : base($"Log '{log}': writer term {term} is fenced by term {currentTerm}; it wrote nothing.")
    {
        Log = log;
        Term = term;
        CurrentTerm = currentTerm;
    }

    /// <summary>The log.</summary>
    public string? Log { get; }

    /// <summary>The fenced writer's term.</summary>
    public long Term { get; }

    /// <summary>The term that holds the log now.</summary>
    public long CurrentTerm { get; }
}
