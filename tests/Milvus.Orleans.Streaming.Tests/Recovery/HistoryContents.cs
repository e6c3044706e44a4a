using Azure.Storage.Blobs;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Streaming.Tests.Collections;

namespace Milvus.Orleans.Streaming.Tests.Recovery;

/// <summary>What a collection's history holds, read back from the blob container the way a query node would.</summary>
internal sealed record HistoryContents(IReadOnlyList<SegmentManifest> Segments, IReadOnlyList<(long Key, long Ts)> Rows, IReadOnlyList<(long Key, long Ts)> Deletes)
{
    /// <summary>Keys of rows no later delete hides, in key order (a key may appear twice if it was written twice).</summary>
    public long[] LiveKeys => [.. Rows.Where(r => !Deletes.Any(d => d.Key == r.Key && d.Ts > r.Ts)).Select(r => r.Key).Order()];

    public static async Task<HistoryContents> ReadAsync(BlobContainerClient container, CollectionInfo collection, CancellationToken cancellationToken)
    {
        var store = new AzureBlobHistoryStore(container);
        var manifests = new List<SegmentManifest>();
        var rows = new List<(long, long)>();
        var deletes = new List<(long, long)>();
        await foreach (var manifest in store.ListSegmentsAsync(collection.Id, cancellationToken))
        {
            manifests.Add(manifest);
            var segment = await store.ReadSegmentAsync(new SegmentKey(manifest.CollectionId, manifest.PartitionId, manifest.SegmentId), collection.Schema, cancellationToken)
                ?? throw new InvalidOperationException($"Segment {manifest.SegmentId} is listed but cannot be read.");
            rows.AddRange(TestRows.Keys(segment.Rows).Zip(segment.Timestamps));
            deletes.AddRange(((long[])segment.DeletedKeys.Values).Zip(segment.DeleteTimestamps));
        }

        return new HistoryContents(manifests, rows, deletes);
    }
}
