using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.EndToEnd.Tests;

public sealed class StreamingEndToEndTests
{
    [Fact]
    public async Task InsertAsync_ThroughTheAppHost_IsLoggedOnDiskAndDeliveredToASubscriber()
    {
        using var scope = new TestScope(TimeSpan.FromMinutes(4), TestContext.Current.CancellationToken);
        var ct = scope.Token;
        await using var run = await AppHostRun.StartAsync(scope.DataPath, ct);
        await run.WaitForActiveSilosAsync(AppHostRun.Silos, TimeSpan.FromSeconds(60), ct);
        var client = run.Client;
        var schema = new CollectionSchema(
            "docs",
            [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", 4), FieldSchema.Scalar("title", DataType.VarChar, maxLength: 32)],
            ShardCount: 2);

        var info = await client.CreateCollectionAsync(schema, ct);
        for (var batch = 0; batch < 10; batch++)
        {
            var keys = Enumerable.Range(batch * 100, 100).Select(i => (long)i).ToArray();
            await client.InsertAsync(
                "docs",
                new RowBatch([FieldColumn.Int64("id", keys), FieldColumn.FloatVector("vec", 4, new float[400]), FieldColumn.VarChar("title", [.. keys.Select(k => $"doc {k}")])]),
                cancellationToken: ct);
        }

        var received = new List<long>();
        await foreach (var message in client.SubscribeCollectionAsync("docs", SubscriptionStart.Earliest, ct))
        {
            if (message.Message.Kind == MessageKind.Insert)
            {
                received.AddRange((long[])message.Message.Rows!.Column("id")!.Values);
            }

            if (received.Count == 1000)
            {
                break;
            }
        }

        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), received.Order());
        Assert.Equal(["docs"], await client.ListCollectionsAsync(ct));
        // The local back-end: one folder of segment files per pchannel, under the AppHost's data folder.
        Assert.All(info.VChannels, v => Assert.NotEmpty(Directory.GetFiles(Path.Combine(scope.DataPath, "wal", Channels.ChannelNames.PChannelOf(v)), "*.seg")));
    }
}
