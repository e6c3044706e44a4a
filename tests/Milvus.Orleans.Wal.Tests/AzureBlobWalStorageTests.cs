using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Milvus.Orleans.Wal.AzureBlob;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Wal.Tests;

/// <summary>What only the blob back-end has: the block limit per blob, records across blocks, a failed block.</summary>
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

    [Fact]
    public async Task AppendAsync_WhenABlockFailsInsideARecord_StopsAndTheNextWriterLeavesTheTornRecordBehind()
    {
        var ct = TestContext.Current.CancellationToken;
        var name = $"wal-{Guid.NewGuid():N}";
        // The third append block: the one after "before" and the first of the large record.
        var failing = new FailingAppendBlock(failAt: 3);
        var options = new BlobClientOptions();
        options.AddPolicy(failing, HttpPipelinePosition.PerCall);
        var failingStorage = new AzureBlobWalStorage(new BlobServiceClient(azurite.ConnectionString, options).GetBlobContainerClient(name));
        var healthy = new AzureBlobWalStorage(azurite.Service.GetBlobContainerClient(name), new AzureBlobWalOptions { RecoveryErrorIgnore = false });
        var before = await ReadBackAsync(failingStorage, "torn", 1, "before", ct);
        var first = await failingStorage.OpenWriterAsync("torn", 2, ct);

        // 9 MiB: the first block lands, the second fails.
        var torn = await Assert.ThrowsAsync<IOException>(async () => await first.AppendAsync([new WalEntry(2, new byte[9 * 1024 * 1024])], ct));
        var later = await Assert.ThrowsAsync<IOException>(async () => await first.AppendAsync([new WalEntry(2, "later"u8.ToArray())], ct));
        await first.DisposeAsync();
        var after = await ReadBackAsync(healthy, "torn", 3, "after", ct);

        Assert.Equal("The blob WAL of log 'torn' (term 2) failed to append (injected); nothing of this write was acknowledged.", torn.Message);
        Assert.Equal("The writer of log 'torn' (term 2) stopped after a storage failure (injected); open the log again.", later.Message);
        Assert.Equal(3, failing.AppendBlocks);
        Assert.Equal(["before"], before);
        Assert.Equal(["before", "after"], after);
    }

    /// <summary>Opens a writer with <paramref name="term"/>, appends <paramref name="text"/>, and reads the whole log back as text.</summary>
    private static async Task<List<string>> ReadBackAsync(AzureBlobWalStorage storage, string log, long term, string text, CancellationToken ct)
    {
        await using (var writer = await storage.OpenWriterAsync(log, term, ct))
        {
            await writer.AppendAsync([new WalEntry(1, System.Text.Encoding.UTF8.GetBytes(text))], ct);
        }

        var texts = new List<string>();
        await foreach (var record in storage.ReadAsync(log, WalPosition.Start, follow: false, ct))
        {
            texts.Add(System.Text.Encoding.UTF8.GetString(record.Payload.Span));
        }

        return texts;
    }

    /// <summary>Fails the <paramref name="failAt"/>th append-block request before it leaves the process; retries never see it.</summary>
    private sealed class FailingAppendBlock(int failAt) : HttpPipelinePolicy
    {
        private int _appendBlocks;

        public int AppendBlocks => _appendBlocks;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Fail(message);
            ProcessNext(message, pipeline);
        }

        public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Fail(message);
            return ProcessNextAsync(message, pipeline);
        }

        private void Fail(HttpMessage message)
        {
            if (message.Request.Uri.Query.Contains("comp=appendblock", StringComparison.Ordinal) && Interlocked.Increment(ref _appendBlocks) == failAt)
            {
                throw new RequestFailedException(500, "injected");
            }
        }
    }
}
