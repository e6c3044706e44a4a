using Microsoft.Extensions.DependencyInjection;
using Milvus.Orleans.Client;
using Milvus.Orleans.Streaming.Tests.Collections;
using Milvus.Orleans.Testing;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Streaming.Tests.Recovery;

/// <summary>
/// A pchannel whose disk fails: no write is acknowledged while it does, the log's writer stops and the WAL grain opens it
/// again, and once the fault clears the pchannel serves again: a client's write retried through the fault lands once.
/// </summary>
public sealed class StorageFaultTests : IAsyncDisposable
{
    private readonly FaultyWalFiles _files = new();
    private readonly DirectoryInfo _wal = Directory.CreateTempSubdirectory("milvus-faulty-wal-");
    private InProcessMilvusCluster _cluster = null!;

    [Fact]
    public async Task InsertAsync_WhileFdatasyncFails_IsNotAcknowledgedAndLandsOnceWhenTheFaultClears()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = await StartAsync(ct);

        _files.Fault = WalFault.FailedSync;
        var insert = client.InsertAsync("faulty", TestRows.Rows(10, 10), cancellationToken: ct);
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        var acknowledgedDuringFault = insert.IsCompleted;
        _files.Fault = WalFault.None;
        var written = await insert;

        Assert.False(acknowledgedDuringFault);
        Assert.Equal(10, written.Count);
        Assert.Equal(20L, await client.CountAsync("faulty", consistency: Query.ConsistencyLevel.Strong, cancellationToken: ct));
        Assert.Equal(10L, await client.CountAsync("faulty", "id >= 10", Query.ConsistencyLevel.Strong, cancellationToken: ct));
    }

    [Fact]
    public async Task InsertAsync_WhileTheDiskIsFull_FailsAfterItsDeadlineWritesNothingAndTheNextInsertLands()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = await StartAsync(ct);
        var impatient = new MilvusClient(_cluster.Cluster.Client) { RetryDeadline = TimeSpan.FromSeconds(2) };

        _files.Fault = WalFault.DiskFull;
        var error = await Assert.ThrowsAsync<MilvusException>(() => impatient.InsertAsync("faulty", TestRows.Rows(10, 10), cancellationToken: ct));
        _files.Fault = WalFault.None;
        await client.InsertAsync("faulty", TestRows.Rows(20, 10), cancellationToken: ct);

        Assert.True(error.IsTransient, $"{error.Code}: {error.Message}");
        Assert.Equal(0L, await client.CountAsync("faulty", "id >= 10 and id < 20", Query.ConsistencyLevel.Strong, cancellationToken: ct));
        Assert.Equal(20L, await client.CountAsync("faulty", consistency: Query.ConsistencyLevel.Strong, cancellationToken: ct));
    }

    public async ValueTask DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _wal.Delete(recursive: true);
    }

    /// <summary>One silo whose WAL (local files) writes through the faulty calls; collection <c>faulty</c> with rows 0..9.</summary>
    private async Task<MilvusClient> StartAsync(CancellationToken ct)
    {
        _cluster = await InProcessMilvusCluster.StartAsync(
            1,
            new Dictionary<string, string?> { ["Milvus:Wal:Storage"] = "Blob" },
            services => services.AddKeyedSingleton<IWalStorage>(
                StreamingSiloBuilderExtensions.WalBackendKey, (_, _) => new LocalWalStorage(new LocalWalOptions { Path = _wal.FullName, Files = _files })),
            ct);
        await _cluster.Client.CreateCollectionAsync(TestRows.Schema("faulty", shards: 1), ct);
        await _cluster.Client.InsertAsync("faulty", TestRows.Rows(0, 10), cancellationToken: ct);
        return _cluster.Client;
    }
}
