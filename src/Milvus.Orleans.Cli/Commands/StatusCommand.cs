using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace Milvus.Orleans.Cli.Commands;

/// <summary><c>status</c>: pchannels with their silo and term, then per collection and shard the LSN points and segments.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var command = new Command("status", "Show pchannels (silo, term), and per shard: LSN points, growing data, sealed segments by query node.");
        command.SetAction((parse, ct) => ClusterConnection.RunAsync(parse, async (client, token) =>
        {
            var topology = await client.GetTopologyAsync(token);
            var channels = new Table().Title($"pchannels (topology v{topology.Version})").AddColumns("pchannel", "silo", "term");
            foreach (var binding in topology.Channels)
            {
                channels.AddRow(binding.PChannel, binding.Silo?.ToString() ?? "-", binding.Term.ToString(CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(channels);
            foreach (var name in await client.ListCollectionsAsync(token))
            {
                var info = await client.DescribeCollectionAsync(name, token);
                var progress = await client.GetFlushStateAsync(name, token);
                var shards = await client.GetShardStatusAsync(name, cancellationToken: token);
                var table = new Table().Title($"{Markup.Escape(name)} (id {info.Id})")
                    .AddColumns("shard", "① last write", "② applied", "③ persisted", "flushed", "growing (rows)", "sealed in memory", "sealed on nodes", "deletes");
                for (var shard = 0; shard < info.VChannels.Count; shard++)
                {
                    var (p, s) = (progress[shard], shards[shard]);
                    table.AddRow(
                        info.VChannels[shard],
                        Time(p.LastWrite),
                        Time(p.Applied),
                        Time(p.Persisted),
                        p.IsFlushed ? "yes" : "no",
                        $"{s.GrowingSegments} ({s.GrowingRows:N0})",
                        s.SealedInMemory.ToString(CultureInfo.InvariantCulture),
                        string.Join(", ", s.SegmentsByNode.OrderBy(n => n.Key).Select(n => $"node {n.Key}: {n.Value}")),
                        s.Deletes.ToString("N0", CultureInfo.InvariantCulture));
                }

                AnsiConsole.Write(table);
            }
        }, ct));
        return command;
    }

    private static string Time(HybridTimestamp ts) => ts.Value == 0
        ? "-"
        : DateTimeOffset.FromUnixTimeMilliseconds(ts.PhysicalMs).ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
}
