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

    public async Task<SegmentManifest> WriteSegmentAsync(SealedSegment segment, CancellationToken cancellationToken)
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
        var manifest = new SegmentManifest(
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
        await container.GetBlobClient(prefix + ManifestFile).UploadAsync(BinaryData.FromBytes(manifest.ToJson()), overwrite: true, cancellationToken).ConfigureAwait(false);
        return manifest;
    }

    public async Task<SealedSegment?> ReadSegmentAsync(SegmentKey key, CollectionSchema schema, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var prefix = Prefix(key);
        SegmentManifest manifest;
        try
        {
            var json = await container.GetBlobClient(prefix + ManifestFile).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            manifest = SegmentManifest.Read(json.Value.Content.ToMemory().Span);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
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

    public async Task<int> DeleteAsync(long collectionId, long? partitionId, CancellationToken cancellationToken)
    {
        if (!await container.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        var prefix = partitionId is { } partition
            ? string.Create(CultureInfo.InvariantCulture, $"history/{collectionId}/{partition}/")
            : string.Create(CultureInfo.InvariantCulture, $"history/{collectionId}/");
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

    private async IAsyncEnumerable<SegmentManifest> ManifestsAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Nothing was ever sealed: the container is created by the first segment written.
        if (!await container.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            yield break;
        }

        await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken).ConfigureAwait(false))
        {
            if (blob.Name.EndsWith("/" + ManifestFile, StringComparison.Ordinal))
            {
                var json = await container.GetBlobClient(blob.Name).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
                yield return SegmentManifest.Read(json.Value.Content.ToMemory().Span);
            }
        }
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
