using System.Text.RegularExpressions;
using Azure.Storage.Blobs.Models;
using Milvus.Orleans.Data;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.History.Tests;

public sealed partial class AzureBlobHistoryStoreTests : IAsyncLifetime
{
    private AzuriteServer _azurite = null!;

    public async ValueTask InitializeAsync() => _azurite = await AzuriteServer.StartAsync();

    public async ValueTask DisposeAsync() => await _azurite.DisposeAsync();

    [Fact]
    public async Task WriteSegmentAsync_ThenReadAndList_ReturnsTheSameSegmentsUnderIdOnlyNames()
    {
        var ct = TestContext.Current.CancellationToken;
        var container = _azurite.Service.GetBlobContainerClient("history");
        var store = new AzureBlobHistoryStore(container);
        var withDeletes = new SealedSegment(
            new SegmentKey(7, 70, 700), "mo-rootcoord-dml_3_7v0", "mo-rootcoord-dml_3", SegmentRows.Schema, SegmentRows.Rows(0, 300), SegmentRows.Timestamps(300),
            FieldColumn.Int64("id", [5, 9]), [2_000, 2_001], EndPosition: 123_456);
        var withoutDeletes = withDeletes with { Key = new SegmentKey(7, 71, 701), Rows = SegmentRows.Rows(1_000, 10), Timestamps = SegmentRows.Timestamps(10, 3_000), DeletedKeys = FieldColumn.Int64("id", []), DeleteTimestamps = [] };
        var otherCollection = withoutDeletes with { Key = new SegmentKey(8, 80, 800) };

        var written = await store.WriteSegmentAsync(withDeletes, ct);
        await store.WriteSegmentAsync(withoutDeletes, ct);
        await store.WriteSegmentAsync(otherCollection, ct);
        var read = await store.ReadSegmentAsync(withDeletes.Key, SegmentRows.Schema, ct);
        var readWithoutDeletes = await store.ReadSegmentAsync(withoutDeletes.Key, SegmentRows.Schema, ct);
        var listed = await store.ListSegmentsAsync(7, ct).ToListAsync(ct);
        var missing = await store.ReadSegmentAsync(new SegmentKey(7, 70, 999), SegmentRows.Schema, ct);
        var names = await container.GetBlobsAsync(new GetBlobsOptions(), ct).Select(b => b.Name).ToListAsync(ct);

        Assert.Equal((300, 2, 1_000L, 2_001L, 123_456L), (written.Rows, written.Deletes, written.MinTimestamp, written.MaxTimestamp, written.EndPosition));
        Assert.Equal(["data.parquet", "deletes.parquet"], written.Files.Select(f => f.Name));
        Assert.NotNull(read);
        Assert.Equal(withDeletes.Timestamps, read.Timestamps);
        Assert.Equal((long[])withDeletes.Rows.Column("id")!.Values, (long[])read.Rows.Column("id")!.Values);
        Assert.Equal((float[])withDeletes.Rows.Column("vec")!.Values, (float[])read.Rows.Column("vec")!.Values);
        Assert.Equal([5L, 9], (long[])read.DeletedKeys.Values);
        Assert.Equal([2_000L, 2_001], read.DeleteTimestamps);
        Assert.Equal((DataType.Int64, 0, 10), (readWithoutDeletes!.DeletedKeys.Type, readWithoutDeletes.DeletedKeys.RowCount, readWithoutDeletes.Rows.RowCount));
        Assert.Equal(("mo-rootcoord-dml_3_7v0", "mo-rootcoord-dml_3", 123_456L), (read.VChannel, read.PChannel, read.EndPosition));
        Assert.Equal([700L, 701], listed.Select(m => m.SegmentId).Order());
        var (deletedKeys, deleteTimestamps) = await store.ReadDeletesAsync(written, SegmentRows.Schema.PrimaryKey, ct);
        Assert.Equal([5L, 9], (long[])deletedKeys.Values);
        Assert.Equal([2_000L, 2_001], deleteTimestamps);
        Assert.Null(missing);
        Assert.Equal(7, names.Count);
        Assert.All(names, name => Assert.Matches(IdOnlyName(), name));
    }

    [Fact]
    public async Task ReadIndexAsync_AfterWriteIndexAsync_GivesBackTheFileBesideItsSegment()
    {
        var ct = TestContext.Current.CancellationToken;
        var container = _azurite.Service.GetBlobContainerClient("index-files");
        await container.CreateIfNotExistsAsync(cancellationToken: ct);
        var store = new AzureBlobHistoryStore(container);
        var key = new SegmentKey(7, 70, 700);
        var source = Path.GetTempFileName();
        var copy = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(source, [1, 2, 3, 250], ct);

            await store.WriteIndexAsync(key, "hnsw-vec_1-L2-m16-ef128.usearch", source, ct);

            Assert.True(await store.ReadIndexAsync(key, "hnsw-vec_1-L2-m16-ef128.usearch", copy, ct));
            Assert.Equal([1, 2, 3, 250], await File.ReadAllBytesAsync(copy, ct));
            Assert.False(await store.ReadIndexAsync(key, "hnsw-other.usearch", copy, ct));
            Assert.Equal(["history/7/70/700/hnsw-vec_1-L2-m16-ef128.usearch"], await container.GetBlobsAsync(new GetBlobsOptions(), ct).Select(b => b.Name).ToListAsync(ct));
            await Assert.ThrowsAsync<ArgumentException>(() => store.WriteIndexAsync(key, "../manifest.json", source, ct));
            await Assert.ThrowsAsync<ArgumentException>(() => store.WriteIndexAsync(key, "manifest.json", source, ct));
        }
        finally
        {
            File.Delete(source);
            File.Delete(copy);
        }
    }

    [Fact]
    public async Task ListSegmentsAsync_AfterACompactedSegmentIsCommitted_ListsItInsteadOfItsInputsWhoseFilesStay()
    {
        var ct = TestContext.Current.CancellationToken;
        var container = _azurite.Service.GetBlobContainerClient("compacted");
        var store = new AzureBlobHistoryStore(container);
        var first = Segment(new SegmentKey(7, 70, 700), 0, 10);
        var second = Segment(new SegmentKey(7, 70, 701), 10, 10);
        var otherPartition = Segment(new SegmentKey(7, 71, 700), 20, 10);
        foreach (var segment in new[] { first, second, otherPartition })
        {
            await store.WriteSegmentAsync(segment, ct);
        }

        var merged = await store.WriteFilesAsync(Segment(new SegmentKey(7, 70, 900), 0, 20), ct);
        var beforeCommit = await store.ListSegmentsAsync(7, ct).Select(m => m.Key).ToListAsync(ct);
        await store.CommitAsync(merged with { CompactedFrom = [700, 701], CompactedAt = DateTimeOffset.UnixEpoch }, ct);
        var afterCommit = await store.ListSegmentsAsync(7, ct).Select(m => m.Key).ToListAsync(ct);
        var everywhere = await store.ListSegmentsAsync(ct).Select(m => m.Key).ToListAsync(ct);
        var stored = await store.ListStoredAsync(ct).ToListAsync(ct);

        Assert.Equal([first.Key, second.Key, otherPartition.Key], beforeCommit.OrderBy(k => k.PartitionId).ThenBy(k => k.SegmentId));
        Assert.Equal([first.Key with { SegmentId = 900 }, otherPartition.Key], afterCommit.OrderBy(k => k.PartitionId));
        Assert.Equal(afterCommit.OrderBy(k => k.PartitionId), everywhere.OrderBy(k => k.PartitionId));
        Assert.Equal([(700L, 70L, (IReadOnlyList<long>?)null), (701, 70, null), (900, 70, [700, 701]), (700, 71, null)], stored.Select(s => (s.Key.SegmentId, s.Key.PartitionId, s.Manifest?.CompactedFrom)));
        Assert.Equal(DateTimeOffset.UnixEpoch, stored[2].Manifest!.CompactedAt);
        Assert.NotNull(await store.ReadSegmentAsync(first.Key, SegmentRows.Schema, ct));
    }

    [Fact]
    public async Task ListStoredAsync_WithASegmentNeverCommitted_ListsItWithoutAManifestAndDeleteSegmentAsyncRemovesOnlyIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var container = _azurite.Service.GetBlobContainerClient("uncommitted");
        var store = new AzureBlobHistoryStore(container);
        var complete = Segment(new SegmentKey(7, 70, 700), 0, 10);
        await store.WriteSegmentAsync(complete, ct);
        await store.WriteFilesAsync(Segment(new SegmentKey(7, 70, 800), 10, 10), ct);
        var written = TimeProvider.System.GetUtcNow();

        var stored = await store.ListStoredAsync(ct).ToListAsync(ct);
        var deleted = await store.DeleteSegmentAsync(new SegmentKey(7, 70, 800), ct);
        var again = await store.DeleteSegmentAsync(new SegmentKey(7, 70, 800), ct);
        var names = await container.GetBlobsAsync(new GetBlobsOptions(), ct).Select(b => b.Name).ToListAsync(ct);

        Assert.Equal([(700L, true), (800, false)], stored.Select(s => (s.Key.SegmentId, s.Manifest is not null)));
        Assert.All(stored, s => Assert.InRange(s.LastWritten, written.AddMinutes(-1), written.AddMinutes(1)));
        Assert.Equal((1, 0), (deleted, again));
        Assert.Equal(["history/7/70/700/data.parquet", "history/7/70/700/manifest.json"], names);
    }

    private static SealedSegment Segment(SegmentKey key, long firstKey, int rows) => new(
        key, "mo-rootcoord-dml_3_7v0", "mo-rootcoord-dml_3", SegmentRows.Schema, SegmentRows.Rows(firstKey, rows), SegmentRows.Timestamps(rows, 1_000 + firstKey),
        FieldColumn.Int64("id", []), [], EndPosition: 100 + firstKey);

    [GeneratedRegex(@"^history/\d+/\d+/\d+/(data\.parquet|deletes\.parquet|manifest\.json)$")]
    private static partial Regex IdOnlyName();
}
