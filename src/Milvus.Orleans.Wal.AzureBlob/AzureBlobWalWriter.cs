using System.Buffers;
using System.Globalization;
using System.Threading.Channels;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Wal.AzureBlob;

/// <summary>
/// The writer of one blob log. Takeover: record the term in the term blob (compare-and-swap on its ETag),
/// then break the lease of the last segment, so its writer can append no more, and continue in a segment of
/// our own that starts where it ends. A writer that rolls creates its next segment first and reads the term
/// again before appending to it, so a newer writer either sees that segment or the roller sees the newer term.
/// Appends form one byte stream cut into append blocks, so a record may span blocks; a writer that fails part way
/// appends nothing more, and the next writer's new segment leaves the torn record at the end of the old one.
/// </summary>
internal sealed class AzureBlobWalWriter : IWalWriter
{
    private const string TermKey = "term";

    private readonly AzureBlobWalStorage _storage;
    private readonly string _leaseId = Guid.NewGuid().ToString();
    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>(new() { SingleReader = true });

    private readonly Task _loop;
    private AppendBlobClient _segment = null!;
    private long _segmentBase;
    private long _segmentLength;
    private int _segmentBlocks;
    private long _durableEnd;
    private IOException? _failure;

    private AzureBlobWalWriter(AzureBlobWalStorage storage, string log, long term)
    {
        _storage = storage;
        Log = log;
        Term = term;
        _loop = Task.Run(RunAsync);
    }

    public string Log { get; }

    public long Term { get; }

    public WalPosition DurableEnd => new(Interlocked.Read(ref _durableEnd));

    public static async Task<AzureBlobWalWriter> OpenAsync(AzureBlobWalStorage storage, string log, long term, CancellationToken cancellationToken)
    {
        await RecordTermAsync(storage, log, term, cancellationToken).ConfigureAwait(false);
        var writer = new AzureBlobWalWriter(storage, log, term);
        try
        {
            await writer.TakeTailAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await writer.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return writer;
    }

    public async ValueTask<IReadOnlyList<WalPosition>> AppendAsync(IReadOnlyList<WalEntry> entries, CancellationToken cancellationToken)
    {
        WalEntries.Validate(entries);
        var done = new TaskCompletionSource<IReadOnlyList<WalPosition>>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite(new PendingAppend(entries, WalEntries.FrameBytes(entries), done)))
        {
            throw _failure is { } failure
                ? new IOException($"The writer of log '{Log}' (term {Term}) stopped after a storage failure ({failure.InnerException?.Message}); open the log again.", failure)
                : new ObjectDisposedException(nameof(AzureBlobWalWriter), $"The writer of log '{Log}' (term {Term}) is closed.");
        }

        // The append is queued now; cancelling only stops waiting, as with any durable write in flight.
        return await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask TruncateAsync(WalPosition upTo, CancellationToken cancellationToken)
    {
        await CheckTermAsync(cancellationToken).ConfigureAwait(false);
        var bases = await _storage.ListSegmentsAsync(Log, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i + 1 < bases.Count && bases[i + 1] <= upTo.Value && bases[i] != _segmentBase; i++)
        {
            await _storage.Container.GetBlobClient(AzureBlobWalStorage.SegmentName(Log, bases[i]))
                .DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        if (_segment is not null)
        {
            try
            {
                await _segment.GetBlobLeaseClient(_leaseId).ReleaseAsync().ConfigureAwait(false);
            }
            catch (RequestFailedException)
            {
                // Fenced meanwhile: the lease is someone else's now.
            }
        }

        _storage.Signal(Log).Pulse();
    }

    private static async Task RecordTermAsync(AzureBlobWalStorage storage, string log, long term, CancellationToken cancellationToken)
    {
        var termBlob = storage.Container.GetBlobClient($"{log}/term");
        var metadata = new Dictionary<string, string> { [TermKey] = term.ToString(CultureInfo.InvariantCulture) };
        while (true)
        {
            try
            {
                var properties = (await termBlob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
                var current = long.Parse(properties.Metadata[TermKey], CultureInfo.InvariantCulture);
                if (term < current)
                {
                    throw new WalFencedException(log, term, current);
                }

                if (term > current)
                {
                    await termBlob.SetMetadataAsync(metadata, new BlobRequestConditions { IfMatch = properties.ETag }, cancellationToken).ConfigureAwait(false);
                }

                return;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                try
                {
                    await termBlob.UploadAsync(BinaryData.Empty,
                        new BlobUploadOptions { Metadata = metadata, Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } },
                        cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (RequestFailedException race) when (race.Status is 409 or 412)
                {
                    // Another writer created it first: compare again.
                }
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // The term changed between read and write: compare again.
            }
        }
    }

    private async Task<long> ReadTermAsync(CancellationToken cancellationToken)
    {
        var properties = await _storage.Container.GetBlobClient($"{Log}/term").GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return long.Parse(properties.Value.Metadata[TermKey], CultureInfo.InvariantCulture);
    }

    private async Task CheckTermAsync(CancellationToken cancellationToken)
    {
        var current = await ReadTermAsync(cancellationToken).ConfigureAwait(false);
        if (current != Term)
        {
            throw new WalFencedException(Log, Term, current);
        }
    }

    /// <summary>Fences the last segment's writer and continues in an empty segment of our own at its end.</summary>
    private async Task TakeTailAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var bases = await _storage.ListSegmentsAsync(Log, cancellationToken).ConfigureAwait(false);
            long start = 0;
            if (bases.Count > 0)
            {
                var last = _storage.Container.GetAppendBlobClient(AzureBlobWalStorage.SegmentName(Log, bases[^1]));
                await BreakLeaseAsync(last, cancellationToken).ConfigureAwait(false);
                var length = (await last.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value.ContentLength;
                if (length == 0)
                {
                    await UseSegmentAsync(last, bases[^1], cancellationToken).ConfigureAwait(false);
                    return;
                }

                start = bases[^1] + length;
            }

            if (await TryCreateSegmentAsync(start, cancellationToken).ConfigureAwait(false))
            {
                await CheckTermAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
        }
    }

    private async Task<bool> TryCreateSegmentAsync(long baseLsn, CancellationToken cancellationToken)
    {
        var segment = _storage.Container.GetAppendBlobClient(AzureBlobWalStorage.SegmentName(Log, baseLsn));
        try
        {
            await segment.CreateAsync(new AppendBlobCreateOptions { Conditions = new AppendBlobRequestConditions { IfNoneMatch = ETag.All } },
                cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false; // another writer started this segment: look again
        }

        await UseSegmentAsync(segment, baseLsn, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task UseSegmentAsync(AppendBlobClient segment, long baseLsn, CancellationToken cancellationToken)
    {
        await segment.GetBlobLeaseClient(_leaseId).AcquireAsync(TimeSpan.FromSeconds(-1), cancellationToken: cancellationToken).ConfigureAwait(false);
        _segment = segment;
        _segmentBase = baseLsn;
        _segmentLength = 0;
        _segmentBlocks = 0;
        Interlocked.Exchange(ref _durableEnd, baseLsn);
    }

    private static async Task BreakLeaseAsync(AppendBlobClient segment, CancellationToken cancellationToken)
    {
        try
        {
            await segment.GetBlobLeaseClient().BreakAsync(TimeSpan.Zero, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // No lease to break.
        }
    }

    private async Task RunAsync()
    {
        var batch = new List<PendingAppend>();
        var block = ArrayPool<byte>.Shared.Rent(_storage.Options.MaxBlockBytes);
        try
        {
            while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                batch.Clear();
                long bytes = 0;
                // Group commit: appends waiting behind the first fill the blocks it needs anyway, not more.
                while (_queue.Reader.TryPeek(out var next)
                    && (batch.Count == 0 || bytes + next.Bytes <= BlocksFor(bytes) * _storage.Options.MaxBlockBytes)
                    && _queue.Reader.TryRead(out next))
                {
                    batch.Add(next);
                    bytes += next.Bytes;
                }

                try
                {
                    var ids = await AppendGroupAsync(batch, bytes, block).ConfigureAwait(false);
                    for (var i = 0; i < batch.Count; i++)
                    {
                        batch[i].Done.TrySetResult(ids[i]);
                    }
                }
                catch (WalFencedException ex)
                {
                    FailAll(batch, ex);
                }
                catch (Exception ex)
                {
                    // A group may have landed in part, leaving a record torn at the segment's end: append nothing
                    // after it. The next writer continues in a new segment, so the torn record stays at an end.
                    Stop(batch, ex);
                    return;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }
    }

    private long BlocksFor(long bytes) => (bytes + _storage.Options.MaxBlockBytes - 1) / _storage.Options.MaxBlockBytes;

    /// <summary>
    /// Writes the group's frames as one byte stream cut into append blocks, each landing only at the position the
    /// previous one ended, under our lease: a record may span blocks, and readers see it once its last block landed.
    /// </summary>
    private async Task<WalPosition[][]> AppendGroupAsync(List<PendingAppend> batch, long bytes, byte[] block)
    {
        var blocks = BlocksFor(bytes);
        if (_segmentLength >= _storage.Options.SegmentBytes || (_segmentBlocks > 0 && _segmentBlocks + blocks > _storage.Options.SegmentBlocks))
        {
            await RollAsync().ConfigureAwait(false);
        }

        var ids = new WalPosition[batch.Count][];
        var used = 0;
        var header = new byte[WalFrame.HeaderSize];
        for (var b = 0; b < batch.Count; b++)
        {
            var entries = batch[b].Entries;
            ids[b] = new WalPosition[entries.Count];
            for (var i = 0; i < entries.Count; i++)
            {
                // Blocks before this one have landed, so the segment's length is where this block starts.
                ids[b][i] = new WalPosition(_segmentBase + _segmentLength + used);
                WalFrame.WriteHeader(header, entries[i].Type, entries[i].Payload.Span);
                used = await CopyAsync(header, block, used).ConfigureAwait(false);
                used = await CopyAsync(entries[i].Payload, block, used).ConfigureAwait(false);
            }
        }

        if (used > 0)
        {
            await AppendBlockAsync(block, used).ConfigureAwait(false);
        }

        WalMetrics.Flushes.Add(1);
        Interlocked.Exchange(ref _durableEnd, _segmentBase + _segmentLength);
        _storage.Signal(Log).Pulse();
        return ids;

        // Fills the block from source, appending each block that becomes full; returns the bytes in the last one.
        async ValueTask<int> CopyAsync(ReadOnlyMemory<byte> source, byte[] target, int filled)
        {
            while (!source.IsEmpty)
            {
                var take = Math.Min(source.Length, _storage.Options.MaxBlockBytes - filled);
                source.Span[..take].CopyTo(target.AsSpan(filled));
                source = source[take..];
                filled += take;
                if (filled == _storage.Options.MaxBlockBytes)
                {
                    await AppendBlockAsync(target, filled).ConfigureAwait(false);
                    filled = 0;
                }
            }

            return filled;
        }
    }

    private async Task AppendBlockAsync(byte[] block, int length)
    {
        try
        {
            using var content = new MemoryStream(block, 0, length, writable: false);
            var response = await _segment.AppendBlockAsync(content, new AppendBlobAppendBlockOptions
            {
                Conditions = new AppendBlobRequestConditions { LeaseId = _leaseId, IfAppendPositionEqual = _segmentLength },
            }).ConfigureAwait(false);
            _segmentBlocks = response.Value.BlobCommittedBlockCount;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Our lease was broken or someone appended: a newer writer took the log.
            throw new WalFencedException(Log, Term, await ReadTermAsync(CancellationToken.None).ConfigureAwait(false));
        }

        _segmentLength += length;
        WalMetrics.Bytes.Add(length);
    }

    private static void FailAll(List<PendingAppend> batch, Exception error)
    {
        foreach (var pending in batch)
        {
            pending.Done.TrySetException(error);
        }
    }

    /// <summary>Acknowledges nothing more: the group, everything queued and every later append fail with the cause.</summary>
    private void Stop(List<PendingAppend> batch, Exception cause)
    {
        _failure = new IOException($"The blob WAL of log '{Log}' (term {Term}) failed to append ({cause.Message}); nothing of this write was acknowledged.", cause);
        _queue.Writer.TryComplete(_failure);
        FailAll(batch, _failure);
        while (_queue.Reader.TryRead(out var queued))
        {
            queued.Done.TrySetException(_failure);
        }
    }

    /// <summary>Seals the current segment and continues in a new one at its end, then checks the term again.</summary>
    private async Task RollAsync()
    {
        var sealedSegment = _segment;
        if (!await TryCreateSegmentAsync(_segmentBase + _segmentLength, CancellationToken.None).ConfigureAwait(false))
        {
            throw new WalFencedException(Log, Term, await ReadTermAsync(CancellationToken.None).ConfigureAwait(false));
        }

        await CheckTermAsync(CancellationToken.None).ConfigureAwait(false);
        await sealedSegment.GetBlobLeaseClient(_leaseId).ReleaseAsync().ConfigureAwait(false);
    }

    private sealed record PendingAppend(IReadOnlyList<WalEntry> Entries, long Bytes, TaskCompletionSource<IReadOnlyList<WalPosition>> Done);
}
