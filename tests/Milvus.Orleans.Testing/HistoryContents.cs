using Azure.Storage.Blobs;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Testing;

/// <summary>One row of history: its Int64 key, timestamp and vector (the schema's first vector field; empty if none).</summary>
public sealed record HistoryRow(long Key, long Ts, float[] Vector);

/// <summary>What a collection's history holds, read back from the blob container the way a query node would.</summary>
public sealed record HistoryContents(IReadOnlyList<SegmentManifest> Segments, IReadOnlyList<HistoryRow> Rows, IReadOnlyList<(long Key, long Ts)> Deletes)
{
    /// <summary>Rows no later delete of their key hides, in key order (a key written twice is there twice).</summary>
    public IReadOnlyList<HistoryRow> LiveRows
    {
        get
        {
            var deletedAt = Deletes.GroupBy(d => d.Key).ToDictionary(g => g.Key, g => g.Max(d => d.Ts));
            return [.. Rows.Where(r => !deletedAt.TryGetValue(r.Key, out var ts) || ts <= r.Ts).OrderBy(r => r.Key)];
        }
    }

    /// <summary>Keys of <see cref="LiveRows"/>.</summary>
    public long[] LiveKeys => [.. LiveRows.Select(r => r.Key)];

    public static async Task<HistoryContents> ReadAsync(BlobContainerClient container, CollectionInfo collection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(collection);
        var store = new AzureBlobHistoryStore(container);
        var key = collection.Schema.PrimaryKey.Name;
        var vector = collection.Schema.Fields.FirstOrDefault(f => f.Type == DataType.FloatVector);
        var manifests = new List<SegmentManifest>();
        var rows = new List<HistoryRow>();
        var deletes = new List<(long, long)>();
        await foreach (var manifest in store.ListSegmentsAsync(collection.Id, cancellationToken).ConfigureAwait(false))
        {
            manifests.Add(manifest);
            var segment = await store.ReadSegmentAsync(new SegmentKey(manifest.CollectionId, manifest.PartitionId, manifest.SegmentId), collection.Schema, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Segment {manifest.SegmentId} is listed but cannot be read.");
            var keys = (long[])segment.Rows.Column(key)!.Values;
            var vectors = vector is null ? null : (float[])segment.Rows.Column(vector.Name)!.Values;
            for (var i = 0; i < keys.Length; i++)
            {
                rows.Add(new HistoryRow(keys[i], segment.Timestamps[i], vectors is null ? [] : vectors[(i * vector!.Dimension)..((i + 1) * vector.Dimension)]));
            }

            deletes.AddRange(((long[])segment.DeletedKeys.Values).Zip(segment.DeleteTimestamps));
        }

        return new HistoryContents(manifests, rows, deletes);
    }
}
