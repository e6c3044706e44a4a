using Microsoft.Extensions.DependencyInjection;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Streaming.Wal;
using Milvus.Orleans.Testing;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Streaming.Tests;

/// <summary>What the cluster's logs hold, read from storage as a recovering owner would read them.</summary>
internal static class ClusterLogs
{
    /// <summary>Every message of <paramref name="pchannel"/>'s log.</summary>
    public static async Task<List<LoggedMessage>> ReadLogAsync(this InProcessMilvusCluster cluster, string pchannel)
    {
        var codec = cluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<MessageCodec>();
        var messages = new List<LoggedMessage>();
        await foreach (var record in cluster.OpenWalStorage().ReadAsync(pchannel, WalPosition.Start, follow: false, TestContext.Current.CancellationToken))
        {
            messages.Add(codec.Decode(record));
        }

        return messages;
    }

    /// <summary>Every message of every pchannel except time ticks.</summary>
    public static async Task<List<LoggedMessage>> ReadAllAsync(this InProcessMilvusCluster cluster)
    {
        var topology = await cluster.Client.GetTopologyAsync(TestContext.Current.CancellationToken);
        var all = new List<LoggedMessage>();
        foreach (var binding in topology.Channels)
        {
            all.AddRange((await cluster.ReadLogAsync(binding.PChannel)).Where(m => m.Message.Kind != MessageKind.TimeTick));
        }

        return all;
    }

    /// <summary>Opens <paramref name="pchannel"/>'s log as another silo would, with <paramref name="term"/>.</summary>
    public static async Task<IWalWriter> OpenWalAsync(this InProcessMilvusCluster cluster, string pchannel, long term) =>
        await cluster.OpenWalStorage().OpenWriterAsync(pchannel, term, TestContext.Current.CancellationToken);
}
