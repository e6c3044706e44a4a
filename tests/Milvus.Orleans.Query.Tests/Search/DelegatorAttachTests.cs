using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Milvus.Orleans.Data;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Streaming;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Query.Tests.Search;

/// <summary>A delegator whose first attach fails (history unreachable for a moment) attaches again on the next read.</summary>
public sealed class DelegatorAttachTests : IAsyncLifetime
{
    private readonly FlakyHistory _history = new();
    private InProcessMilvusCluster _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await InProcessMilvusCluster.StartAsync(
        1,
        new Dictionary<string, string?> { ["Milvus:Streaming:PChannels"] = "2" },
        services => services.AddSingleton<IHistoryStore>(sp =>
            _history.Over(new AzureBlobHistoryStore(sp.GetRequiredKeyedService<BlobContainerClient>(StreamingSiloBuilderExtensions.HistoryContainerKey)))));

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task SearchAsync_AfterAnAttachFailedOnHistory_AttachesAgainAndFindsTheRows()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _cluster.Client;
        await client.CreateCollectionAsync(new CollectionSchema("flaky", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", 2)]), ct);
        await client.InsertAsync("flaky", new RowBatch([FieldColumn.Int64("id", [1, 2]), FieldColumn.FloatVector("vec", 2, [0, 0, 5, 5])]), cancellationToken: ct);
        await client.FlushAsync("flaky", ct);
        _history.FailListings = 1;

        await Assert.ThrowsAnyAsync<Exception>(() => client.SearchAsync("flaky", [[5, 5]], 1, cancellationToken: ct));
        var hits = await client.SearchAsync("flaky", [[5, 5]], 1, cancellationToken: ct);

        Assert.Equal([2L], (long[])hits[0].Rows.Column("id")!.Values);
    }

    /// <summary>History whose listing fails a given number of times, as an unreachable storage account would.</summary>
    private sealed class FlakyHistory
    {
        private int _failListings;

        public int FailListings
        {
            set => Volatile.Write(ref _failListings, value);
        }

        public IHistoryStore Over(IHistoryStore inner) => new Store(this, inner);

        private sealed class Store(FlakyHistory owner, IHistoryStore inner) : IHistoryStore
        {
            public Task<SegmentManifest> WriteSegmentAsync(SealedSegment segment, CancellationToken cancellationToken) => inner.WriteSegmentAsync(segment, cancellationToken);

            public Task<SealedSegment?> ReadSegmentAsync(SegmentKey key, CollectionSchema schema, CancellationToken cancellationToken) => inner.ReadSegmentAsync(key, schema, cancellationToken);

            public Task<(FieldColumn Keys, long[] Timestamps)> ReadDeletesAsync(SegmentManifest manifest, FieldSchema primaryKey, CancellationToken cancellationToken) =>
                inner.ReadDeletesAsync(manifest, primaryKey, cancellationToken);

            public Task WriteIndexAsync(SegmentKey key, string name, string path, CancellationToken cancellationToken) => inner.WriteIndexAsync(key, name, path, cancellationToken);

            public Task<bool> ReadIndexAsync(SegmentKey key, string name, string path, CancellationToken cancellationToken) => inner.ReadIndexAsync(key, name, path, cancellationToken);

            public IAsyncEnumerable<SegmentManifest> ListSegmentsAsync(long collectionId, CancellationToken cancellationToken) =>
                Interlocked.Decrement(ref owner._failListings) >= 0
                    ? throw new IOException("History is unreachable for a moment.")
                    : inner.ListSegmentsAsync(collectionId, cancellationToken);

            public IAsyncEnumerable<SegmentManifest> ListSegmentsAsync(CancellationToken cancellationToken) => inner.ListSegmentsAsync(cancellationToken);

            public Task<int> DeleteAsync(long collectionId, long? partitionId, CancellationToken cancellationToken) => inner.DeleteAsync(collectionId, partitionId, cancellationToken);

            public Task<SegmentManifest> WriteFilesAsync(SealedSegment segment, CancellationToken cancellationToken) => inner.WriteFilesAsync(segment, cancellationToken);

            public Task CommitAsync(SegmentManifest manifest, CancellationToken cancellationToken) => inner.CommitAsync(manifest, cancellationToken);

            public IAsyncEnumerable<StoredSegment> ListStoredAsync(CancellationToken cancellationToken) => inner.ListStoredAsync(cancellationToken);

            public Task<int> DeleteSegmentAsync(SegmentKey key, CancellationToken cancellationToken) => inner.DeleteSegmentAsync(key, cancellationToken);
        }
    }
}
