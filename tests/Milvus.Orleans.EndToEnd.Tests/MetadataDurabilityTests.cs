using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;
using StackExchange.Redis;

namespace Milvus.Orleans.EndToEnd.Tests;

public sealed class MetadataDurabilityTests
{
    [Fact]
    public async Task Metadata_WhenTheAppHostStopsAndStartsAgain_IsStillInGarnet()
    {
        using var scope = new TestScope(TimeSpan.FromMinutes(6), TestContext.Current.CancellationToken);
        var ct = scope.Token;
        var schema = new CollectionSchema("kept", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", 4)], ShardCount: 2);

        // First run: the silos write their membership rows, the TSO its reservation and the catalog a collection,
        // all through their Redis client.
        string firstCluster;
        HybridTimestamp lastIssued;
        HashEntry[] membersBefore;
        CollectionInfo created;
        await using (var first = await AppHostRun.StartAsync(scope.DataPath, ct))
        {
            await first.WaitForActiveSilosAsync(AppHostRun.Silos, TimeSpan.FromSeconds(60), ct);
            created = await first.Client.CreateCollectionAsync(schema, ct);
            lastIssued = await first.Client.AllocateTimestampAsync(ct);
            firstCluster = first.ClusterId;
            using var redis = await ConnectionMultiplexer.ConnectAsync(first.RedisConnectionString);
            membersBefore = await redis.GetDatabase().HashGetAllAsync(MembersKey(firstCluster));
            Assert.NotEmpty(await redis.GetDatabase().HashGetAllAsync(await FindStateKeyAsync(redis, "tso")));
        }

        Assert.Equal(AppHostRun.Silos + 1, membersBefore.Length); // one row per silo plus the table version

        // Second run on the same data folder: a new Garnet process, port and cluster id. (The TSO's reservation
        // moves on as soon as the new silos take timestamps, so it is checked by what it hands out.)
        await using var second = await AppHostRun.StartAsync(scope.DataPath, ct);
        using (var redis = await ConnectionMultiplexer.ConnectAsync(second.RedisConnectionString))
        {
            var membersAfter = await redis.GetDatabase().HashGetAllAsync(MembersKey(firstCluster));
            Assert.Equal(
                membersBefore.Select(e => e.Name.ToString()).Order(StringComparer.Ordinal),
                membersAfter.Select(e => e.Name.ToString()).Order(StringComparer.Ordinal));
        }

        Assert.NotEqual(firstCluster, second.ClusterId);
        var next = await second.Client.AllocateTimestampAsync(ct);
        Assert.True(next > lastIssued, $"{next} after {lastIssued}");
        var kept = await second.Client.DescribeCollectionAsync("kept", ct);
        Assert.Equal(created.Id, kept.Id);
        Assert.Equal(created.VChannels, kept.VChannels);
        Assert.Equal(created.Schema.Fields, kept.Schema.Fields);
    }

    private static RedisKey MembersKey(string clusterId) => $"{AppHostRun.ServiceId}/members/{clusterId}";

    private static async Task<RedisKey> FindStateKeyAsync(ConnectionMultiplexer redis, string grainType)
    {
        var server = redis.GetServer(redis.GetEndPoints().Single());
        var keys = new List<RedisKey>();
        await foreach (var key in server.KeysAsync(pattern: $"{AppHostRun.ServiceId}/state/*{grainType}*"))
        {
            keys.Add(key);
        }

        return Assert.Single(keys);
    }
}
