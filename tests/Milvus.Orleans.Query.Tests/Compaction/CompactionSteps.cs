using Milvus.Orleans.Client;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Query.Tests.Compaction;

/// <summary>Steps the compaction tests share: a cluster with automatic compaction off, compacting, and counting segments.</summary>
internal static class CompactionSteps
{
    /// <summary>One silo, two pchannels, automatic compaction off, and <paramref name="settings"/> besides.</summary>
    public static Task<InProcessMilvusCluster> StartAsync(params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string?> { ["Milvus:Streaming:PChannels"] = "2", ["Milvus:Compaction:IntervalMinutes"] = "0" };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return InProcessMilvusCluster.StartAsync(1, all);
    }

    /// <summary>Starts a compaction and waits until it completed or failed.</summary>
    public static async Task<CompactionState> CompactAsync(MilvusClient client, string collection, CancellationToken ct)
    {
        await client.CompactAsync(collection, ct);
        return await Poll.UntilAsync(() => client.GetCompactionStateAsync(collection, ct), s => s.Phase != CompactionPhase.Running, TimeSpan.FromSeconds(120), ct);
    }

    /// <summary>The sealed segments replica 0 reads: on query nodes, or still in memory on their way there.</summary>
    public static async Task<int> SegmentsAsync(MilvusClient client, string collection, CancellationToken ct) =>
        (await client.GetShardStatusAsync(collection, cancellationToken: ct)).Sum(s => s.SegmentsByNode.Values.Sum() + s.SealedInMemory);
}

/// <summary>
/// One cluster for the compaction tests that read exactly (no graphs: every answer equals the oracle's), shared by
/// their classes; each test uses collections of its own.
/// </summary>
public sealed class ExactReadsCluster : IAsyncLifetime
{
    public InProcessMilvusCluster Cluster { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Cluster = await CompactionSteps.StartAsync(("Milvus:Query:IndexMinRows", "100000000"));

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ExactReadsGroup : ICollectionFixture<ExactReadsCluster>
{
    public const string Name = "exact reads";
}
