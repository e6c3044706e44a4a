using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Milvus.Orleans.Wal.Storage;

/// <summary>
/// Logs as folders of segment files on a directory every silo can reach:
/// <c>{Path}/{log}/{base position:D20}.seg</c>, plus <c>term</c> (the newest writer's term) and <c>lock</c>
/// (flocked around every takeover, batch and truncation, so a fenced writer can never write).
/// </summary>
public sealed class LocalWalStorage(LocalWalOptions options, TimeProvider? timeProvider = null) : IWalStorage
{
    private readonly ConcurrentDictionary<string, LocalLogTail> _tails = new(StringComparer.Ordinal);
    private long _corruptRecordsSkipped;

    internal LocalWalOptions Options { get; } = options;

    internal TimeProvider Time { get; } = timeProvider ?? TimeProvider.System;

    /// <summary>Corrupt records skipped by readers and writer recovery since this storage was created.</summary>
    public long CorruptRecordsSkipped => Interlocked.Read(ref _corruptRecordsSkipped);

    public async ValueTask<IWalWriter> OpenWriterAsync(string log, long term, CancellationToken cancellationToken)
    {
        WalLogName.Validate(log);
        // Taking the lock may wait for another writer's batch; keep that off the caller's scheduler.
        var writer = await Task.Run(() => LocalWalWriter.Open(this, log, Directory(log), term), cancellationToken).ConfigureAwait(false);
        var replaced = _tails.TryGetValue(log, out var previous) ? previous : null;
        _tails[log] = writer.Tail;
        // Readers waiting on the fenced writer's signal must look again, now at the new writer's tail.
        replaced?.Signal.Pulse();
        return writer;
    }

    public async IAsyncEnumerable<WalRecord> ReadAsync(
        string log, WalPosition from, bool follow, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        WalLogName.Validate(log);
        var directory = Directory(log);
        var next = from.Value;
        // A caller's position may lie inside a record; once a record was read, the next one starts at its Next.
        var atFrame = false;
        while (true)
        {
            // Capture the wake-up before reading, so an append between the read and the wait is not missed.
            var tail = _tails.TryGetValue(log, out var t) ? t : null;
            var appended = tail?.Signal.Next;
            var end = tail?.DurableEnd ?? long.MaxValue;
            foreach (var record in ReadDurable(log, directory, next, end, atFrame))
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return record;
                next = record.Next.Value;
                atFrame = true;
            }

            if (!follow)
            {
                yield break;
            }

            // A writer in another process publishes nothing here: look again after a short while.
            await (appended?.WaitAsync(cancellationToken) ?? Task.Delay(Options.PollInterval, Time, cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>The writer closed: its readers stop waiting on it and fall back to looking at the files.</summary>
    internal void Forget(LocalLogTail tail)
    {
        _tails.TryRemove(new(tail.Log, tail));
        tail.Signal.Pulse();
    }

    internal void CountCorrupt(int count) => Interlocked.Add(ref _corruptRecordsSkipped, count);

    private string Directory(string log) => Path.Combine(Options.Path, log);

    /// <summary>Records from <paramref name="from"/> up to <paramref name="end"/> (exclusive), across segments.</summary>
    private IEnumerable<WalRecord> ReadDurable(string log, string directory, long from, long end, bool fromIsFrame)
    {
        var bases = SegmentFiles.List(directory);
        for (var i = 0; i < bases.Count; i++)
        {
            var segmentEnd = i + 1 < bases.Count ? bases[i + 1] : long.MaxValue;
            if (segmentEnd <= from)
            {
                continue;
            }

            // Below a known durable end, or in a sealed segment, every byte was written: a frame that looks
            // unwritten there is damage to skip past, not the end of the log.
            var written = end != long.MaxValue || i + 1 < bases.Count;
            foreach (var record in ReadSegment(log, directory, bases[i], from, Math.Min(end, segmentEnd), written, fromIsFrame))
            {
                yield return record;
            }
        }
    }

    private IEnumerable<WalRecord> ReadSegment(string log, string directory, long baseLsn, long from, long end, bool written, bool fromIsFrame)
    {
        var name = SegmentFiles.Name(baseLsn);
        Microsoft.Win32.SafeHandles.SafeFileHandle file;
        try
        {
            file = File.OpenHandle(Path.Combine(directory, name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            yield break; // truncated away meanwhile
        }

        using (file)
        {
            var limit = Math.Min(RandomAccess.GetLength(file), end - baseLsn);
            var offset = Math.Max(0, from - baseLsn);
            // A position not known to start a frame may lie inside a record: if no intact frame starts there,
            // walk from the segment's start to the first record at or after it (once per reader, not per poll).
            var probing = !fromIsFrame && offset > 0;
            while (offset < limit)
            {
                var frame = SegmentFiles.Read(file, offset, limit);
                if (probing)
                {
                    probing = false;
                    if (frame.Status != WalFrame.Status.Valid)
                    {
                        offset = 0;
                        continue;
                    }
                }

                if (frame.Status == WalFrame.Status.Valid)
                {
                    var id = baseLsn + offset;
                    offset += frame.Size;
                    if (id >= from)
                    {
                        yield return new WalRecord(new(id), new(baseLsn + offset), frame.Type, frame.Payload);
                    }

                    continue;
                }

                // Where every byte is known to be written, a bad frame is damage: skip it. Elsewhere (the tail of a log
                // a writer in another process is appending to) it may be a record still being copied in, which reads
                // as incomplete or as failing its checksum: stop here and look again later, or it would be lost.
                var resume = written ? SegmentFiles.FindNextFrame(file, offset + 1, limit) : -1;
                if (resume < 0)
                {
                    yield break;
                }

                if (!Options.RecoveryErrorIgnore)
                {
                    throw new WalCorruptException(log, name, offset);
                }

                CountCorrupt(1);
                offset = resume;
            }
        }
    }
}

/// <summary>What readers in this process learn from the log's writer: its durable end and when it moves.</summary>
internal sealed class LocalLogTail(string log, long durableEnd)
{
    private long _durableEnd = durableEnd;

    public string Log { get; } = log;

    public AppendSignal Signal { get; } = new();

    public long DurableEnd => Interlocked.Read(ref _durableEnd);

    public void Advance(long durableEnd)
    {
        Interlocked.Exchange(ref _durableEnd, durableEnd);
        Signal.Pulse();
    }
}
