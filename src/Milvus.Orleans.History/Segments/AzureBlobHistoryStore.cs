using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.History.Segments;

/// <summary>
/// Segments as blobs: <c>history/{collectionId}/{partitionId}/{segmentId}/data.parquet</c>, <c>deletes.parquet</c>
/// (when it has deletes) and <c>manifest.json</c>, written last. Files are built in a temporary file first, so a
/// segment of any size costs no more memory than Parquet's buffers.
/// </summary>
public sealed class AzureBlobHistoryStore(BlobContainerClient container) : IHistoryStore
{
    private const string DataFile = "data.parquet";
    private const string DeletesFile = "deletes.parquet";
    private const string ManifestFile = "manifest.json";

    /// <summary>Manifests read at once when listing: a listing of thousands of small blobs is bound by round trips.</summary>
    private const int ManifestReads = 16;

    public async Task<SegmentManifest> WriteSegmentAsync(SealedSegment segment, CancellationToken cancellationToken)
    {
        var manifest = await WriteFilesAsync(segment, cancellationToken).ConfigureAwait(false);
        await CommitAsync(manifest, cancellationToken).ConfigureAwait(false);
        return manifest;
    }

    public async Task<SegmentManifest> WriteFilesAsync(SealedSegment segment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(segment);
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var prefix = Prefix(segment.Key);
        var files = new List<ManifestFile>
        {
            await UploadAsync(prefix + DataFile, stream => SegmentParquet.WriteAsync(stream, segment.Schema.Fields, segment.Rows, segment.Timestamps, cancellationToken), cancellationToken).ConfigureAwait(false),
        };
        var key = segment.Schema.PrimaryKey;
        if (segment.DeleteTimestamps.Length > 0)
        {
            files.Add(await UploadAsync(
                prefix + DeletesFile,
                stream => SegmentParquet.WriteAsync(stream, [key], new RowBatch([segment.DeletedKeys]), segment.DeleteTimestamps, cancellationToken),
                cancellationToken).ConfigureAwait(false));
        }

        var all = segment.Timestamps.Concat(segment.DeleteTimestamps).ToArray();
        return new SegmentManifest(
            SegmentManifest.CurrentFormat,
            segment.Key.CollectionId,
            segment.Key.PartitionId,
            segment.Key.SegmentId,
            segment.PChannel,
            segment.Rows.RowCount,
            segment.DeleteTimestamps.Length,
            all.Length == 0 ? 0 : all.Min(),
            all.Length == 0 ? 0 : all.Max(),
            segment.EndPosition,
            [.. segment.Schema.Fields.Select(f => new ManifestField(f.Name, f.Type, f.IsPrimaryKey, f.Dimension))],
            files,
            segment.VChannel);
    }

    public async Task CommitAsync(SegmentManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        await container.GetBlobClient(Prefix(manifest.Key) + ManifestFile).UploadAsync(BinaryData.FromBytes(manifest.ToJson()), overwrite: true, cancellationToken).ConfigureAwait(false);
    }

    public async Task<SealedSegment?> ReadSegmentAsync(SegmentKey key, CollectionSchema schema, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var prefix = Prefix(key);
        if (await ReadManifestAsync(prefix + ManifestFile, cancellationToken).ConfigureAwait(false) is not { } manifest)
        {
            return null;
        }

        var (rows, timestamps) = await DownloadAsync(prefix + DataFile, stream => SegmentParquet.ReadAsync(stream, schema.Fields, cancellationToken), cancellationToken).ConfigureAwait(false);
        var (deletes, deleteTimestamps) = await ReadDeletesAsync(manifest, schema.PrimaryKey, cancellationToken).ConfigureAwait(false);
        return new SealedSegment(key, manifest.VChannel ?? string.Empty, manifest.PChannel, schema, rows, timestamps, deletes, deleteTimestamps, manifest.EndPosition);
    }

    public async Task<(FieldColumn Keys, long[] Timestamps)> ReadDeletesAsync(SegmentManifest manifest, FieldSchema primaryKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.Deletes == 0)
        {
            return (FieldColumn.Empty(primaryKey), []);
        }

        var prefix = Prefix(new SegmentKey(manifest.CollectionId, manifest.PartitionId, manifest.SegmentId));
        var (deletes, timestamps) = await DownloadAsync(prefix + DeletesFile, stream => SegmentParquet.ReadAsync(stream, [primaryKey], cancellationToken), cancellationToken).ConfigureAwait(false);
        return (deletes.Columns[0], timestamps);
    }

    public async Task WriteIndexAsync(SegmentKey key, string name, string path, CancellationToken cancellationToken) =>
        await container.GetBlobClient(Prefix(key) + IndexName(name)).UploadAsync(path, overwrite: true, cancellationToken).ConfigureAwait(false);

    public async Task<bool> ReadIndexAsync(SegmentKey key, string name, string path, CancellationToken cancellationToken)
    {
        try
        {
            await container.GetBlobClient(Prefix(key) + IndexName(name)).DownloadToAsync(path, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    public IAsyncEnumerable<SegmentManifest> ListSegmentsAsync(long collectionId, CancellationToken cancellationToken) =>
        ManifestsAsync(string.Create(CultureInfo.InvariantCulture, $"history/{collectionId}/"), cancellationToken);

    public IAsyncEnumerable<SegmentManifest> ListSegmentsAsync(CancellationToken cancellationToken) => ManifestsAsync("history/", cancellationToken);

    public async IAsyncEnumerable<StoredSegment> ListStoredAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!await container.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            yield break;
        }

        // Names are listed in order, so a segment's files come together.
        (SegmentKey Key, string? Manifest, DateTimeOffset LastWritten)? current = null;
        await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = "history/" }, cancellationToken).ConfigureAwait(false))
        {
            if (ParseKey(blob.Name) is not { } key)
            {
                continue;
            }

            var written = blob.Properties.LastModified ?? DateTimeOffset.MinValue;
            if (current is { } open && open.Key != key)
            {
                yield return await StoredAsync(open.Key, open.Manifest, open.LastWritten, cancellationToken).ConfigureAwait(false);
                current = null;
            }

            var manifest = blob.Name.EndsWith("/" + ManifestFile, StringComparison.Ordinal) ? blob.Name : null;
            current = current is { } same
                ? (key, same.Manifest ?? manifest, written > same.LastWritten ? written : same.LastWritten)
                : (key, manifest, written);
        }

        if (current is { } last)
        {
            yield return await StoredAsync(last.Key, last.Manifest, last.LastWritten, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<int> DeleteSegmentAsync(SegmentKey key, CancellationToken cancellationToken) =>
        await DeletePrefixAsync(Prefix(key), cancellationToken).ConfigureAwait(false);

    public async Task<int> DeleteAsync(long collectionId, long? partitionId, CancellationToken cancellationToken)
    {
        var prefix = partitionId is { } partition
            ? string.Create(CultureInfo.InvariantCulture, $"history/{collectionId}/{partition}/")
            : string.Create(CultureInfo.InvariantCulture, $"history/{collectionId}/");
        return await DeletePrefixAsync(prefix, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes every blob under <paramref name="prefix"/>, manifests first, so no reader finds a segment half gone.</summary>
    private async Task<int> DeletePrefixAsync(string prefix, CancellationToken cancellationToken)
    {
        if (!await container.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        var names = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken).ConfigureAwait(false))
        {
            names.Add(blob.Name);
        }

        foreach (var name in names.OrderBy(n => n.EndsWith("/" + ManifestFile, StringComparison.Ordinal) ? 0 : 1))
        {
            await container.GetBlobClient(name).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return names.Count;
    }

    /// <summary>Reads the live manifests under <paramref name="prefix"/>: all of them first, since a compacted segment may be listed after those it replaces.</summary>
    private async IAsyncEnumerable<SegmentManifest> ManifestsAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Nothing was ever sealed: the container is created by the first segment written.
        if (!await container.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            yield break;
        }

        var names = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken).ConfigureAwait(false))
        {
            if (blob.Name.EndsWith("/" + ManifestFile, StringComparison.Ordinal))
            {
                names.Add(blob.Name);
            }
        }

        var manifests = new SegmentManifest?[names.Count];
        await Parallel.ForAsync(0, names.Count, new ParallelOptions { MaxDegreeOfParallelism = ManifestReads, CancellationToken = cancellationToken }, async (i, ct) =>
            manifests[i] = await ReadManifestAsync(names[i], ct).ConfigureAwait(false)).ConfigureAwait(false);
        foreach (var manifest in SegmentManifest.Live([.. manifests.OfType<SegmentManifest>()]))
        {
            yield return manifest;
        }
    }

    /// <summary>A manifest; null when it was deleted since it was listed (its segment collected).</summary>
    private async Task<SegmentManifest?> ReadManifestAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var json = await container.GetBlobClient(name).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return SegmentManifest.Read(json.Value.Content.ToMemory().Span);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    private async Task<StoredSegment> StoredAsync(SegmentKey key, string? manifest, DateTimeOffset lastWritten, CancellationToken cancellationToken) =>
        new(key, manifest is null ? null : await ReadManifestAsync(manifest, cancellationToken).ConfigureAwait(false), lastWritten);

    /// <summary>The segment a blob name <c>history/{c}/{p}/{s}/file</c> belongs to; null for any other name.</summary>
    private static SegmentKey? ParseKey(string name)
    {
        var parts = name.Split('/');
        return parts.Length == 5
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var collection)
            && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
            && long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var segment)
            ? new SegmentKey(collection, partition, segment)
            : null;
    }

    /// <summary>An index file's name: never a path, never one of the segment's own files.</summary>
    private static string IndexName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_') && name is not (DataFile or DeletesFile or ManifestFile)
            ? name
            : throw new ArgumentException($"'{name}' is not an index file name: letters, digits, '.', '-' and '_' only.", nameof(name));

    private static string Prefix(SegmentKey key) =>
        string.Create(CultureInfo.InvariantCulture, $"history/{key.CollectionId}/{key.PartitionId}/{key.SegmentId}/");

    private static FileStream TemporaryFile() => new(
        Path.Combine(Path.GetTempPath(), "milvus-segment-" + Guid.NewGuid().ToString("N")),
        FileMode.CreateNew,
        FileAccess.ReadWrite,
        FileShare.None,
        bufferSize: 1 << 16,
        FileOptions.DeleteOnClose | FileOptions.Asynchronous);

    private async Task<ManifestFile> UploadAsync(string name, Func<Stream, Task> write, CancellationToken cancellationToken)
    {
        var file = TemporaryFile();
        await using (file.ConfigureAwait(false))
        {
            await write(file).ConfigureAwait(false);
            file.Position = 0;
            await container.GetBlobClient(name).UploadAsync(file, overwrite: true, cancellationToken).ConfigureAwait(false);
            return new ManifestFile(name[(name.LastIndexOf('/') + 1)..], file.Length);
        }
    }

    private async Task<T> DownloadAsync<T>(string name, Func<Stream, Task<T>> read, CancellationToken cancellationToken)
    {
        var file = TemporaryFile();
        await using (file.ConfigureAwait(false))
        {
            await container.GetBlobClient(name).DownloadToAsync(file, cancellationToken).ConfigureAwait(false);
            file.Position = 0;
            return await read(file).ConfigureAwait(false);
        }
    }
}
