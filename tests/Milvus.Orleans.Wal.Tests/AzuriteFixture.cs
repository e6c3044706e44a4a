using Azure.Storage.Blobs;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Wal.Tests;

/// <summary>One real Azurite per test class that needs blob storage.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteServer? _server;

    public BlobServiceClient Service => _server!.Service;

    public string ConnectionString => _server!.ConnectionString;

    public async ValueTask InitializeAsync() => _server = await AzuriteServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
