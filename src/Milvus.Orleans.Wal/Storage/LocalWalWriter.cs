using System.Buffers;
using System.Buffers.Binary;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace Milvus.Orleans.Wal.Storage;

/// <summary>
/// The writer of one local log. Appends go into a queue; one loop drains it, writes each batch with one
/// write under the log's lock after checking the term file, makes it durable per the durability policy,
/// and only then completes the callers (group commit).
/// </summary>
internal sealed class LocalWalWriter : IWalWriter
{
    private const string TermFileName = "term";
    private const string LockFileName = "lock";

    private readonly LocalWalStorage _storage;
    private readonly string _directory;
    private readonly SafeFileHandle _lock;
    private readonly SafeFileHandle _termFile;
    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>(new() { SingleReader = true });
    private readonly SemaphoreSlim _io = new(1, 1);
    private readonly List<PendingAppend> _unsynced = [];
    private readonly Task _loop;
    private SafeFileHandle _segment;
    private long _segmentBase;
    private long _segmentLength;
    private long _lastSync;
    private IOException? _failure;

    private LocalWalWriter(LocalWalStorage storage, string log, string directory, long term, SafeFileHandle lockFile, SafeFileHandle termFile,
        SafeFileHandle segment, long segmentBase, long segmentLength, WalRecoveryReport recovery)
    {
        _storage = storage;
        Log = log;
        _directory = directory;
        Term = term;
        _lock = lockFile;
        _termFile = termFile;
        _segment = segment;
        _segmentBase = segmentBase;
        _segmentLength = segmentLength;
        Recovery = recovery;
        Tail = new LocalLogTail(log, segmentBase + segmentLength);
        _lastSync = storage.Time.GetTimestamp();
        _loop = Task.Run(RunAsync);
    }

    public string Log { get; }

    public long Term { get; }

    public WalPosition DurableEnd => new(Tail.DurableEnd);

    /// <summary>What opening found at the tail of the log.</summary>
    public WalRecoveryReport Recovery { get; }

    internal LocalLogTail Tail { get; }

    /// <summary>Takes the log for <paramref name="term"/>: fences older terms, then cuts a torn tail.</summary>
    public static LocalWalWriter Open(LocalWalStorage storage, string log, string directory, long term)
    {
        Directory.CreateDirectory(directory);
        var lockFile = File.OpenHandle(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        // .NET takes a shared flock when it opens a file with sharing on Unix; drop it, or two writers that both
        // hold one would wait on each other forever for the exclusive lock.
        FileLock.Release(lockFile);
        var termFile = File.OpenHandle(Path.Combine(directory, TermFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        FileLock.Release(termFile);
        FileLock.Acquire(lockFile);
        try
        {
            var current = ReadTerm(termFile);
            if (term < current)
            {
                throw new WalFencedException(log, term, current);
            }

            if (term != current)
            {
                Span<byte> bytes = stackalloc byte[sizeof(long)];
                BinaryPrimitives.WriteInt64LittleEndian(bytes, term);
                RandomAccess.Write(termFile, bytes, 0);
                storage.Options.Files.Sync(termFile);
                FileLock.SyncDirectory(directory);
            }

            var (segment, segmentBase, length, recovery) = RecoverTail(storage, log, directory);
            return new LocalWalWriter(storage, log, directory, term, lockFile, termFile, segment, segmentBase, length, recovery);
        }
        catch
        {
            lockFile.Dispose();
            termFile.Dispose();
            throw;
        }
        finally
        {
            if (!lockFile.IsClosed)
            {
                FileLock.Release(lockFile);
            }
        }
    }

    public async ValueTask<IReadOnlyList<WalPosition>> AppendAsync(IReadOnlyList<WalEntry> entries, CancellationToken cancellationToken)
    {
        WalEntries.Validate(entries);
        var pending = new PendingAppend(entries);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw _failure is { } failure
                ? new IOException($"The writer of log '{Log}' (term {Term}) stopped after a storage failure ({failure.Message}); open the log again.", failure)
                : new ObjectDisposedException(nameof(LocalWalWriter), $"The writer of log '{Log}' (term {Term}) is closed.");
        }

        // The append is in the batch now; cancelling only stops waiting, as with any durable write in flight.
        return await pending.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask TruncateAsync(WalPosition upTo, CancellationToken cancellationToken)
    {
        await _io.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            FileLock.Acquire(_lock);
            try
            {
                CheckTerm();
                var bases = SegmentFiles.List(_directory);
                var removed = false;
                // Never the last (active) segment; a segment goes once the next one starts at or before upTo.
                for (var i = 0; i + 1 < bases.Count && bases[i + 1] <= upTo.Value; i++)
                {
                    File.Delete(Path.Combine(_directory, SegmentFiles.Name(bases[i])));
                    removed = true;
                }

                if (removed)
                {
                    FileLock.SyncDirectory(_directory);
                }
            }
            finally
            {
                FileLock.Release(_lock);
            }
        }
        finally
        {
            _io.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        _storage.Forget(Tail);
        _segment.Dispose();
        _lock.Dispose();
        _termFile.Dispose();
        _io.Dispose();
    }

    private static long ReadTerm(SafeFileHandle termFile)
    {
        Span<byte> bytes = stackalloc byte[sizeof(long)];
        return RandomAccess.Read(termFile, bytes, 0) == sizeof(long) ? BinaryPrimitives.ReadInt64LittleEndian(bytes) : 0;
    }

    private static (SafeFileHandle Segment, long Base, long Length, WalRecoveryReport Report) RecoverTail(
        LocalWalStorage storage, string log, string directory)
    {
        var bases = SegmentFiles.List(directory);
        if (bases.Count == 0)
        {
            return (CreateSegment(storage, directory, 0), 0, 0, WalRecoveryReport.Clean);
        }

        var last = bases[^1];
        var name = SegmentFiles.Name(last);
        var segment = File.OpenHandle(Path.Combine(directory, name), FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            FileLock.Release(segment);
            var length = RandomAccess.GetLength(segment);
            var (validEnd, corrupt) = SegmentFiles.Scan(segment, length);
            if (corrupt.Count > 0)
            {
                if (!storage.Options.RecoveryErrorIgnore)
                {
                    throw new WalCorruptException(log, name, corrupt[0]);
                }

                storage.CountCorrupt(corrupt.Count);
            }

            // Past the last whole record: a torn write (never acknowledged) and/or preallocated zeros. Cut it all,
            // then preallocate afresh so appends overwrite zeros rather than stale bytes.
            var tornBytes = TornBytes(segment, validEnd, length);
            if (validEnd < length)
            {
                RandomAccess.SetLength(segment, validEnd);
            }

            storage.Options.Files.Preallocate(segment, Math.Max(validEnd, storage.Options.SegmentBytes));
            storage.Options.Files.Sync(segment);
            return (segment, last, validEnd, new WalRecoveryReport(tornBytes, corrupt.Count));
        }
        catch
        {
            segment.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Bytes after the last whole record that are not preallocated zeros. A torn write starts right at the
    /// last whole record, so the first all-zero chunk ends the search instead of reading the whole preallocation.
    /// </summary>
    private static long TornBytes(SafeFileHandle segment, long validEnd, long length)
    {
        var buffer = new byte[64 * 1024];
        long lastNonZero = validEnd;
        for (var offset = validEnd; offset < length; offset += buffer.Length)
        {
            var read = RandomAccess.Read(segment, buffer, offset);
            var at = buffer.AsSpan(0, read).LastIndexOfAnyExcept((byte)0);
            if (at < 0)
            {
                break;
            }

            lastNonZero = offset + at + 1;
        }

        return lastNonZero - validEnd;
    }

    private static SafeFileHandle CreateSegment(LocalWalStorage storage, string directory, long baseLsn)
    {
        var segment = File.OpenHandle(Path.Combine(directory, SegmentFiles.Name(baseLsn)), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        FileLock.Release(segment);
        storage.Options.Files.Preallocate(segment, storage.Options.SegmentBytes);
        storage.Options.Files.Sync(segment);
        FileLock.SyncDirectory(directory);
        return segment;
    }

    private void CheckTerm()
    {
        var current = ReadTerm(_termFile);
        if (current != Term)
        {
            throw new WalFencedException(Log, Term, current);
        }
    }

    private async Task RunAsync()
    {
        var interval = _storage.Options.Durability.Interval;
        var batch = new List<PendingAppend>();
        while (true)
        {
            if (_failure is { } failure)
            {
                while (_queue.Reader.TryRead(out var queued))
                {
                    queued.Completion.TrySetException(failure);
                }

                return;
            }

            if (_unsynced.Count > 0)
            {
                var remaining = interval - _storage.Time.GetElapsedTime(_lastSync);
                if (remaining <= TimeSpan.Zero)
                {
                    Sync();
                    continue;
                }

                var more = _queue.Reader.WaitToReadAsync().AsTask();
                if (await Task.WhenAny(more, Task.Delay(remaining, _storage.Time)).ConfigureAwait(false) != more || !await more.ConfigureAwait(false))
                {
                    Sync();
                    continue;
                }
            }
            else if (!await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                return;
            }

            batch.Clear();
            long bytes = 0;
            while (bytes < _storage.Options.MaxBatchBytes && _queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
                bytes += pending.Bytes;
            }

            await _io.WaitAsync().ConfigureAwait(false);
            try
            {
                Write(batch, bytes);
                _unsynced.AddRange(batch);
                if (interval == TimeSpan.Zero)
                {
                    Sync();
                }
            }
            catch (IOException ex)
            {
                // A write that failed (a full disk) may have left part of the batch in the file: stop, as after a
                // failed flush; the next writer cuts what is not a whole record.
                Stop(batch, ex);
            }
            catch (Exception ex)
            {
                foreach (var pending in batch)
                {
                    pending.Completion.TrySetException(ex);
                }
            }
            finally
            {
                _io.Release();
            }
        }
    }

    /// <summary>Writes the batch after the last record, under the lock and only while the term is ours.</summary>
    private void Write(List<PendingAppend> batch, long bytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(checked((int)bytes));
        try
        {
            FileLock.Acquire(_lock);
            try
            {
                CheckTerm();
                if (_segmentLength >= _storage.Options.SegmentBytes)
                {
                    Roll();
                }

                var position = _segmentBase + _segmentLength;
                var used = 0;
                foreach (var pending in batch)
                {
                    pending.Ids = new WalPosition[pending.Entries.Count];
                    for (var i = 0; i < pending.Entries.Count; i++)
                    {
                        var entry = pending.Entries[i];
                        var size = WalFrame.SizeOf(entry.Payload.Length);
                        WalFrame.Write(buffer.AsSpan(used, size), entry.Type, entry.Payload.Span);
                        pending.Ids[i] = new WalPosition(position + used);
                        used += size;
                    }
                }

                _storage.Options.Files.Write(_segment, buffer.AsSpan(0, used), _segmentLength);
                _segmentLength += used;
                WalMetrics.Bytes.Add(used);
                WalMetrics.BatchSize.Record(batch.Sum(p => p.Entries.Count));
            }
            finally
            {
                FileLock.Release(_lock);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Starts a new segment where the current one ends; the current one is cut to its records and made durable first.</summary>
    private void Roll()
    {
        RandomAccess.SetLength(_segment, _segmentLength);
        _storage.Options.Files.Sync(_segment);
        var next = CreateSegment(_storage, _directory, _segmentBase + _segmentLength);
        _segment.Dispose();
        _segment = next;
        _segmentBase += _segmentLength;
        _segmentLength = 0;
    }

    /// <summary>Makes everything written durable, then acknowledges it and shows it to readers.</summary>
    private void Sync()
    {
        try
        {
            // The segment is preallocated, so its size does not change and fdatasync flushes only the data.
            _storage.Options.Files.SyncData(_segment);
            WalMetrics.Flushes.Add(1);
        }
        catch (IOException ex)
        {
            // After a failed fsync the kernel may have dropped the dirty pages: nothing written since the last
            // good flush can be trusted, so this writer stops; the next owner recovers from what is on disk.
            Stop([], ex);
            return;
        }

        _lastSync = _storage.Time.GetTimestamp();
        Tail.Advance(_segmentBase + _segmentLength);
        foreach (var pending in _unsynced)
        {
            pending.Completion.TrySetResult(pending.Ids!);
        }

        _unsynced.Clear();
    }

    /// <summary>
    /// Acknowledges nothing more: <paramref name="batch"/> and everything written but not yet durable fail with
    /// <paramref name="error"/>, and so does every later append. The log is whole again once a writer reopens it.
    /// </summary>
    private void Stop(List<PendingAppend> batch, IOException error)
    {
        _failure = error;
        _queue.Writer.TryComplete(error);
        foreach (var pending in batch.Concat(_unsynced))
        {
            pending.Completion.TrySetException(error);
        }

        _unsynced.Clear();
    }

    private sealed class PendingAppend(IReadOnlyList<WalEntry> entries)
    {
        public IReadOnlyList<WalEntry> Entries { get; } = entries;

        public long Bytes { get; } = WalEntries.FrameBytes(entries);

        public TaskCompletionSource<IReadOnlyList<WalPosition>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public WalPosition[]? Ids { get; set; }
    }
}

/// <summary>What a writer found when it opened a log.</summary>
/// <param name="TornTailBytes">Bytes of an incomplete last write, cut off.</param>
/// <param name="CorruptRecordsSkipped">Corrupt records in the last segment that intact records follow.</param>
public sealed record WalRecoveryReport(long TornTailBytes, int CorruptRecordsSkipped)
{
    public static WalRecoveryReport Clean { get; } = new(0, 0);
}
