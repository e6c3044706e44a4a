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
        var batchBytes = WalEntries.FrameBytes(entries);
        if (batchBytes > _storage.Options.MaxBlockBytes)
        {
            throw new ArgumentException(
                $"A batch of {batchBytes} bytes exceeds one append block ({_storage.Options.MaxBlockBytes} bytes) of the blob WAL.", nameof(entries));
        }

        var done = new TaskCompletionSource<IReadOnlyList<WalPosition>>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite(new PendingAppend(entries, batchBytes, done)))
        {
            throw new ObjectDisposedException(nameof(AzureBlobWalWriter), $"The writer of log '{Log}' (term {Term}) is closed.");
        }

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
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            long bytes = 0;
            while (_queue.Reader.TryPeek(out var next)
                && (batch.Count == 0 || bytes + next.Bytes <= _storage.Options.MaxBlockBytes)
                && _queue.Reader.TryRead(out next))
            {
                batch.Add(next);
                bytes += next.Bytes;
            }

            try
            {
                var ids = await AppendBlockAsync(batch, (int)bytes).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(ids[i]);
                }
            }
            catch (Exception ex)
            {
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(ex);
                }
            }
        }
    }

    private async Task<WalPosition[][]> AppendBlockAsync(List<PendingAppend> batch, int bytes)
    {
        if (_segmentLength >= _storage.Options.SegmentBytes || _segmentBlocks >= _storage.Options.SegmentBlocks)
        {
            await RollAsync().ConfigureAwait(false);
        }

        var block = new byte[bytes];
        var ids = new WalPosition[batch.Count][];
        var used = 0;
        for (var b = 0; b < batch.Count; b++)
        {
            var entries = batch[b].Entries;
            ids[b] = new WalPosition[entries.Count];
            for (var i = 0; i < entries.Count; i++)
            {
                var size = WalFrame.SizeOf(entries[i].Payload.Length);
                WalFrame.Write(block.AsSpan(used, size), entries[i].Type, entries[i].Payload.Span);
                ids[b][i] = new WalPosition(_segmentBase + _segmentLength + used);
                used += size;
            }
        }

        try
        {
            using var content = new MemoryStream(block, writable: false);
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

        _segmentLength += used;
        Interlocked.Exchange(ref _durableEnd, _segmentBase + _segmentLength);
        WalMetrics.Bytes.Add(used);
        WalMetrics.Flushes.Add(1);
        _storage.Signal(Log).Pulse();
        return ids;
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
