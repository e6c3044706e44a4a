using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Wal.AzureBlob;

/// <summary>
/// Logs as append blobs in one container: <c>{log}/{base position:D20}.seg</c> segments and a <c>{log}/term</c>
/// blob whose metadata holds the newest writer's term. Every append block carries the writer's lease and the
/// expected append position, so a fenced writer's append fails (412) and writes nothing.
/// </summary>
public sealed class AzureBlobWalStorage(BlobContainerClient container, AzureBlobWalOptions? options = null, TimeProvider? timeProvider = null) : IWalStorage
{
    private const string SegmentSuffix = ".seg";
    private readonly ConcurrentDictionary<string, AppendSignal> _signals = new(StringComparer.Ordinal);

    internal BlobContainerClient Container { get; } = container;

    internal AzureBlobWalOptions Options { get; } = options ?? new AzureBlobWalOptions();

    internal TimeProvider Time { get; } = timeProvider ?? TimeProvider.System;

    public async ValueTask<IWalWriter> OpenWriterAsync(string log, long term, CancellationToken cancellationToken)
    {
        WalLogName.Validate(log);
        await Container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var writer = await AzureBlobWalWriter.OpenAsync(this, log, term, cancellationToken).ConfigureAwait(false);
        return writer;
    }

    public async IAsyncEnumerable<WalRecord> ReadAsync(
        string log, WalPosition from, bool follow, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        WalLogName.Validate(log);
        var next = from.Value;
        while (true)
        {
            var appended = Signal(log).Next;
            var bases = await ListSegmentsAsync(log, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < bases.Count; i++)
            {
                var segmentEnd = i + 1 < bases.Count ? bases[i + 1] : long.MaxValue;
                if (segmentEnd <= next)
                {
                    continue;
                }

                foreach (var record in await ReadSegmentAsync(log, bases[i], next, segmentEnd, cancellationToken).ConfigureAwait(false))
                {
                    yield return record;
                    next = record.Next.Value;
                }
            }

            if (!follow)
            {
                yield break;
            }

            // Writers here wake their readers at once; a writer elsewhere is noticed at the next poll.
            await Task.WhenAny(appended, Task.Delay(Options.PollInterval, Time, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    internal AppendSignal Signal(string log) => _signals.GetOrAdd(log, static _ => new AppendSignal());

    internal static string SegmentName(string log, long baseLsn) =>
        $"{log}/{baseLsn.ToString("D20", CultureInfo.InvariantCulture)}{SegmentSuffix}";

    internal async Task<List<long>> ListSegmentsAsync(string log, CancellationToken cancellationToken)
    {
        var bases = new List<long>();
        try
        {
            await foreach (var blob in Container.GetBlobsAsync(new GetBlobsOptions { Prefix = log + "/" }, cancellationToken).ConfigureAwait(false))
            {
                var name = blob.Name[(log.Length + 1)..];
                if (name.EndsWith(SegmentSuffix, StringComparison.Ordinal)
                    && long.TryParse(name[..^SegmentSuffix.Length], NumberStyles.None, CultureInfo.InvariantCulture, out var baseLsn))
                {
                    bases.Add(baseLsn);
                }
            }
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            // Nothing written yet: no writer has created the container.
        }

        bases.Sort();
        return bases;
    }

    /// <summary>The whole frames of a segment from <paramref name="from"/>; a record still being written, or torn at the segment's end, is not one.</summary>
    private async Task<List<WalRecord>> ReadSegmentAsync(string log, long baseLsn, long from, long end, CancellationToken cancellationToken)
    {
        var records = new List<WalRecord>();
        var start = Math.Max(0, from - baseLsn);
        byte[] data;
        try
        {
            var content = await Container.GetBlobClient(SegmentName(log, baseLsn))
                .DownloadContentAsync(new BlobDownloadOptions { Range = new HttpRange(start) }, cancellationToken).ConfigureAwait(false);
            data = content.Value.Content.ToArray();
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 416)
        {
            return records; // truncated away, or nothing past start yet
        }

        var offset = 0;
        var limit = (int)Math.Min(data.Length, end - baseLsn - start);
        while (offset < limit)
        {
            var status = WalFrame.TryRead(data.AsSpan(offset, limit - offset), out var type, out var length);
            if (status == WalFrame.Status.Valid)
            {
                var id = baseLsn + start + offset;
                var size = WalFrame.SizeOf(length);
                records.Add(new WalRecord(new(id), new(id + size), type, data.AsMemory(offset + WalFrame.HeaderSize, length)));
                offset += size;
                continue;
            }

            var resume = WalFrame.FindNextFrame(data.AsSpan(0, limit), offset + 1);
            if (resume < 0)
            {
                break;
            }

            if (!Options.RecoveryErrorIgnore)
            {
                throw new WalCorruptException(log, SegmentName(log, baseLsn), start + offset);
            }

            offset = resume;
        }

        return records;
    }
}

/// <summary>The append-blob back-end.</summary>
public sealed class AzureBlobWalOptions
{
    /// <summary>A segment rolls once it holds this many bytes.</summary>
    public long SegmentBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>A segment rolls before this many blocks; Azure allows 50,000 per append blob.</summary>
    public int SegmentBlocks { get; init; } = 49_000;

    /// <summary>Bytes per append block; Azure and Azurite accept 4 MiB, and larger records span several.</summary>
    public int MaxBlockBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Skip and count a corrupt record (true) or fail with <see cref="WalCorruptException"/> (false).</summary>
    public bool RecoveryErrorIgnore { get; init; } = true;

    /// <summary>How often a reader that follows a log written elsewhere looks for new records.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(50);
}
