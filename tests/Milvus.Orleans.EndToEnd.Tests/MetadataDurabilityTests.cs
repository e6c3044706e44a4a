using StackExchange.Redis;

namespace Milvus.Orleans.EndToEnd.Tests;

public sealed class MetadataDurabilityTests
{
    [Fact]
    public async Task Metadata_WhenTheAppHostStopsAndStartsAgain_IsStillInGarnet()
    {
        using var scope = new TestScope(TimeSpan.FromMinutes(6));
        var ct = scope.Token;

        // First run: the silos write their membership rows and the TSO its reservation through their Redis client.
        string firstCluster;
        HybridTimestamp lastIssued;
        HashEntry[] membersBefore;
        HashEntry[] tsoStateBefore;
        RedisKey tsoKey;
        await using (var first = await AppHostRun.StartAsync(scope.DataPath, ct))
        {
            await first.WaitForActiveSilosAsync(AppHostRun.Silos, TimeSpan.FromSeconds(60), ct);
            lastIssued = await first.Client.AllocateTimestampAsync(ct);
            firstCluster = first.ClusterId;
            using var redis = await ConnectionMultiplexer.ConnectAsync(first.RedisConnectionString);
            membersBefore = await redis.GetDatabase().HashGetAllAsync(MembersKey(firstCluster));
            tsoKey = await FindTsoStateKeyAsync(redis);
            tsoStateBefore = await redis.GetDatabase().HashGetAllAsync(tsoKey);
        }

        Assert.Equal(AppHostRun.Silos + 1, membersBefore.Length); // one row per silo plus the table version
        Assert.NotEmpty(tsoStateBefore);

        // Second run on the same data folder: a new Garnet process, port and cluster id.
        await using var second = await AppHostRun.StartAsync(scope.DataPath, ct);
        using (var redis = await ConnectionMultiplexer.ConnectAsync(second.RedisConnectionString))
        {
            var membersAfter = await redis.GetDatabase().HashGetAllAsync(MembersKey(firstCluster));
            Assert.Equal(
                membersBefore.Select(e => e.Name.ToString()).Order(StringComparer.Ordinal),
                membersAfter.Select(e => e.Name.ToString()).Order(StringComparer.Ordinal));
            Assert.Equal(tsoStateBefore, await redis.GetDatabase().HashGetAllAsync(tsoKey));
        }

        Assert.NotEqual(firstCluster, second.ClusterId);
        var next = await second.Client.AllocateTimestampAsync(ct);
        Assert.True(next > lastIssued, $"{next} after {lastIssued}");
    }

    private static RedisKey MembersKey(string clusterId) => $"{AppHostRun.ServiceId}/members/{clusterId}";

    private static async Task<RedisKey> FindTsoStateKeyAsync(ConnectionMultiplexer redis)
    {
        var server = redis.GetServer(redis.GetEndPoints().Single());
        var keys = new List<RedisKey>();
        await foreach (var key in server.KeysAsync(pattern: $"{AppHostRun.ServiceId}/state/*tso*"))
        {
            keys.Add(key);
        }

        return Assert.Single(keys);
    }
}
