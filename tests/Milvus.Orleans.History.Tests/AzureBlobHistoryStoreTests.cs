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

    [GeneratedRegex(@"^history/\d+/\d+/\d+/(data\.parquet|deletes\.parquet|manifest\.json)$")]
    private static partial Regex IdOnlyName();
}
