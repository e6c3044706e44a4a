using Milvus.Orleans.Streaming.Tests.Collections;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Streaming.Tests.Recovery;

/// <summary><c>Milvus:Wal:Enable=false</c>: writes are held in the owner's memory and become durable by a flush.</summary>
public sealed class WalDisabledTests() : ClusterTests(1, new Dictionary<string, string?> { ["Milvus:Wal:Enable"] = "false" })
{
    [Fact]
    public async Task FlushAsync_WithoutTheWal_PersistsWhatWasWrittenAndARestartKeepsOnlyThat()
    {
        var ct = TestContext.Current.CancellationToken;
        var info = await TestCluster.Client.CreateCollectionAsync(TestRows.Schema("unlogged", shards: 2), ct);
        await TestCluster.Client.InsertAsync("unlogged", TestRows.Rows(0, 300), cancellationToken: ct);
        await TestCluster.Client.FlushAsync("unlogged", ct);
        await TestCluster.Client.InsertAsync("unlogged", TestRows.Rows(300, 50), cancellationToken: ct);

        await TestCluster.RestartAsync(cancellationToken: ct);
        await TestCluster.Client.InsertAsync("unlogged", TestRows.Rows(1_000, 20), cancellationToken: ct);
        await TestCluster.Client.FlushAsync("unlogged", ct);

        Assert.Empty(Directory.EnumerateFileSystemEntries(TestCluster.WalPath));
        // Rows 300..349 were only in the old silo's memory: without the WAL, an unflushed write does not survive.
        Assert.Equal(
            Enumerable.Range(0, 300).Concat(Enumerable.Range(1_000, 20)).Select(i => (long)i),
            (await HistoryContents.ReadAsync(TestCluster.History, info, ct)).LiveKeys);
    }
}
