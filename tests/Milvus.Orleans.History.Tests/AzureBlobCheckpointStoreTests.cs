using Azure.Storage.Blobs.Models;
using Milvus.Orleans.History.Checkpoints;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.History.Tests;

public sealed class AzureBlobCheckpointStoreTests : IAsyncLifetime
{
    private const string PChannel = "mo-rootcoord-dml_3";
    private AzuriteServer _azurite = null!;

    public async ValueTask InitializeAsync() => _azurite = await AzuriteServer.StartAsync();

    public async ValueTask DisposeAsync() => await _azurite.DisposeAsync();

    [Fact]
    public async Task WriteAsync_MovesForwardUnderItsTermRefusesOlderTermsAndLetsANewerTermStartLower()
    {
        var ct = TestContext.Current.CancellationToken;
        var container = _azurite.Service.GetBlobContainerClient("history");
        var store = new AzureBlobCheckpointStore(container);

        var before = await store.ReadAsync(PChannel, ct);
        await store.WriteAsync(new PChannelCheckpoint(PChannel, 3, 100, 1_000), ct);
        await store.WriteAsync(new PChannelCheckpoint(PChannel, 3, 200, 2_000), ct);
        var back = await Assert.ThrowsAsync<MilvusException>(() => store.WriteAsync(new PChannelCheckpoint(PChannel, 3, 150, 3_000), ct));
        var stale = await Assert.ThrowsAsync<MilvusException>(() => store.WriteAsync(new PChannelCheckpoint(PChannel, 2, 300, 4_000), ct));
        var kept = await store.ReadAsync(PChannel, ct);
        await store.WriteAsync(new PChannelCheckpoint(PChannel, 4, 50, 5_000), ct);
        var names = await container.GetBlobsAsync(new GetBlobsOptions(), ct).Select(b => b.Name).ToListAsync(ct);

        Assert.Null(before);
        Assert.Equal(ErrorCode.InvalidArgument, back.Code);
        Assert.Equal(ErrorCode.Fenced, stale.Code);
        Assert.Equal("pchannel 'mo-rootcoord-dml_3': checkpoint of term 2 is fenced by term 3; it was not written.", stale.Message);
        Assert.Equal(new PChannelCheckpoint(PChannel, 3, 200, 2_000), kept);
        Assert.Equal(new PChannelCheckpoint(PChannel, 4, 50, 5_000), await store.ReadAsync(PChannel, ct));
        Assert.Equal(["checkpoints/mo-rootcoord-dml_3.json"], names);
    }

    [Fact]
    public async Task WriteAsync_WhenAnOldAndANewOwnerRace_LeavesTheNewOwnersLastCheckpoint()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new AzureBlobCheckpointStore(_azurite.Service.GetBlobContainerClient("history"));

        async Task WriteAllAsync(long term, long firstPosition)
        {
            for (var i = 0; i < 20; i++)
            {
                try
                {
                    await store.WriteAsync(new PChannelCheckpoint(PChannel, term, firstPosition + i, i), ct);
                }
                catch (MilvusException ex) when (ex.Code == ErrorCode.Fenced && term == 5)
                {
                    // The old owner, once the new one wrote: it stops here in real life.
                }
            }
        }

        await Task.WhenAll(WriteAllAsync(5, 1_000), WriteAllAsync(6, 2_000));

        Assert.Equal(new PChannelCheckpoint(PChannel, 6, 2_019, 19), await store.ReadAsync(PChannel, ct));
    }

    [Fact]
    public async Task ReadAsync_WithAVChannelName_IsRefused()
    {
        var store = new AzureBlobCheckpointStore(_azurite.Service.GetBlobContainerClient("history"));

        var error = await Assert.ThrowsAsync<MilvusException>(() => store.ReadAsync(PChannel + "_1v0", TestContext.Current.CancellationToken));

        Assert.Equal(ErrorCode.InvalidName, error.Code);
    }
}
