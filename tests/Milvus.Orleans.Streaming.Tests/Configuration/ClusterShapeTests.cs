using Milvus.Orleans.Streaming.Tests.Collections;

namespace Milvus.Orleans.Streaming.Tests.Configuration;

/// <summary>A cluster's pchannels are fixed once it has data: silos configured otherwise refuse to start.</summary>
public sealed class ClusterShapeTests() : ClusterTests(1)
{
    [Fact]
    public async Task Restart_WithOtherPChannelsOnAClusterWithData_IsRefusedNamingTheKey()
    {
        var ct = TestContext.Current.CancellationToken;
        await TestCluster.Client.CreateCollectionAsync(TestRows.Schema("shaped", shards: 2), ct);
        await TestCluster.Client.InsertAsync("shaped", TestRows.Rows(0, 10), cancellationToken: ct);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestCluster.RestartAsync(settings: new Dictionary<string, string?> { ["Milvus:Streaming:PChannels"] = "4" }, cancellationToken: ct));

        Assert.Contains(
            "Milvus:Streaming:PChannels = 4, but this cluster's collections and logs are on 8 pchannels: start the silo with Milvus:Streaming:PChannels = 8",
            error.ToString(),
            StringComparison.Ordinal);
        await TestCluster.RestartAsync(settings: new Dictionary<string, string?> { ["Milvus:Streaming:PChannels"] = "8" }, cancellationToken: ct);
        Assert.Equal(10L, await TestCluster.Client.CountAsync("shaped", consistency: Query.ConsistencyLevel.Strong, cancellationToken: ct));
    }

    [Fact]
    public async Task Restart_WithOtherPChannelsOnAClusterWithoutData_TakesThem()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(8, (await TestCluster.Client.GetTopologyAsync(ct)).Channels.Count);

        await TestCluster.RestartAsync(settings: new Dictionary<string, string?> { ["Milvus:Streaming:PChannels"] = "4" }, cancellationToken: ct);

        Assert.Equal(4, (await TestCluster.Client.GetTopologyAsync(ct)).Channels.Count);
    }
}
