using Milvus.Orleans.Wal.AzureBlob;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Wal.Tests;

/// <summary>What only the blob back-end has: the append-block limit per blob.</summary>
public sealed class AzureBlobWalStorageTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task AppendAsync_WhenASegmentReachesItsBlockLimit_RollsToANewBlobAndKeepsEveryRecord()
    {
        var ct = TestContext.Current.CancellationToken;
        var container = azurite.Service.GetBlobContainerClient($"wal-{Guid.NewGuid():N}");
        var storage = new AzureBlobWalStorage(container, new AzureBlobWalOptions { SegmentBlocks = 3 });
        await using var writer = await storage.OpenWriterAsync("blocks", 1, ct);
        var ids = new List<WalPosition>();
        for (var i = 0; i < 10; i++)
        {
            ids.AddRange(await writer.AppendAsync([new WalEntry(1, BitConverter.GetBytes(i))], ct));
        }

        var segments = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(new() { Prefix = "blocks/" }, ct))
        {
            segments.Add(blob.Name);
        }

        var records = new List<WalRecord>();
        await foreach (var record in storage.ReadAsync("blocks", WalPosition.Start, follow: false, ct))
        {
            records.Add(record);
        }

        // One append per block, 3 blocks per blob: 10 records need 4 segment blobs, plus the term blob.
        Assert.Equal(5, segments.Count);
        Assert.Equal(ids, records.Select(r => r.Id));
        Assert.Equal(Enumerable.Range(0, 10), records.Select(r => BitConverter.ToInt32(r.Payload.Span)));
    }
}
