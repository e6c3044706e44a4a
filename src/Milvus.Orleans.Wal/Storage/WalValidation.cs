namespace Milvus.Orleans.Wal.Storage;

/// <summary>Log names become file and blob names, so they are restricted to a safe alphabet.</summary>
public static class WalLogName
{
    /// <summary>The longest name of a log.</summary>
    public const int MaxLength = 128;

    /// <summary>Throws <see cref="ArgumentException"/> naming the rule when <paramref name="log"/> breaks it.</summary>
    public static void Validate(string log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (log.Length is 0 or > MaxLength || !log.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException(
                $"Log name '{log}' is invalid: 1..{MaxLength} characters of a-z, A-Z, 0-9, '-' and '_'.", nameof(log));
        }
    }
}

/// <summary>Checks and sizes of a batch to append, the same for every back-end.</summary>
public static class WalEntries
{
    /// <summary>Bytes the entries take on storage, frames included.</summary>
    public static long FrameBytes(IReadOnlyList<WalEntry> entries)
    {
        long bytes = 0;
        foreach (var entry in entries)
        {
            bytes += WalFrame.SizeOf(entry.Payload.Length);
        }

        return bytes;
    }

    /// <summary>Throws <see cref="ArgumentException"/> for an empty batch or a record larger than <see cref="WalFrame.MaxPayload"/>.</summary>
    public static void Validate(IReadOnlyList<WalEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            throw new ArgumentException("Nothing to append: the batch is empty.", nameof(entries));
        }

        foreach (var entry in entries)
        {
            if (entry.Payload.Length > WalFrame.MaxPayload)
            {
                throw new ArgumentException(
                    $"A record of {entry.Payload.Length} bytes exceeds the largest WAL record, {WalFrame.MaxPayload} bytes.", nameof(entries));
            }
        }
    }
}
