using System.CommandLine;
using System.Globalization;
using Milvus.Orleans.Client;
using Milvus.Orleans.Grains;
using Spectre.Console;

namespace Milvus.Orleans.Cli.Commands;

/// <summary><c>compact &lt;collection&gt;</c>: merges small segments and drops removable rows, with progress, until done.</summary>
internal static class CompactCommand
{
    private static readonly TimeSpan PollPeriod = TimeSpan.FromMilliseconds(500);

    public static Command Create()
    {
        var collection = new Argument<string>("collection") { Description = "The collection." };
        var noWait = new Option<bool>("--no-wait") { Description = "Start the compaction and return; 'compact --state' follows it." };
        var stateOnly = new Option<bool>("--state") { Description = "Print the state of the running or last compaction and return." };
        var command = new Command("compact", "Merge a collection's small segments and drop rows deleted or expired before the retention window.") { collection, noWait, stateOnly };
        command.SetAction((parse, ct) => ClusterConnection.RunAsync(parse, async (client, token) =>
        {
            var name = parse.GetValue(collection)!;
            if (parse.GetValue(stateOnly))
            {
                Print(name, await client.GetCompactionStateAsync(name, token));
                return;
            }

            var state = await client.CompactAsync(name, token);
            if (!parse.GetValue(noWait))
            {
                state = await FollowAsync(client, name, state, token);
            }

            Print(name, state);
            if (state.Phase == CompactionPhase.Failed)
            {
                throw new MilvusException(ErrorCode.Internal, $"compaction of '{name}' failed: {state.Error}");
            }
        }, ct));
        return command;
    }

    /// <summary>Waits for the compaction to finish, showing segments written out of those planned.</summary>
    private static async Task<CompactionState> FollowAsync(MilvusClient client, string name, CompactionState state, CancellationToken cancellationToken)
    {
        // The plan comes first: how many segments it writes is known once it is made.
        while (state is { Phase: CompactionPhase.Running, Planned: 0 })
        {
            await Task.Delay(PollPeriod, cancellationToken);
            state = await client.GetCompactionStateAsync(name, cancellationToken);
        }

        await ProgressReport.RunAsync($"compacting {name}", state.Planned, async advance =>
        {
            var reported = 0;
            while (true)
            {
                advance(state.Done - reported);
                reported = state.Done;
                if (state.Phase != CompactionPhase.Running)
                {
                    return;
                }

                await Task.Delay(PollPeriod, cancellationToken);
                state = await client.GetCompactionStateAsync(name, cancellationToken);
            }
        });
        return state;
    }

    private static void Print(string name, CompactionState state)
    {
        var took = state is { Started: { } started, Finished: { } finished } ? $" in {(finished - started).TotalSeconds:0.0} s" : string.Empty;
        AnsiConsole.MarkupLineInterpolated(
            CultureInfo.InvariantCulture,
            $"[bold]{name}[/]: compaction {state.Phase.ToString().ToLowerInvariant()}{took}: {state.Done}/{state.Planned} segments written, {state.SegmentsBefore} → {state.SegmentsAfter} segments, {Size(state.BytesRead)} read, {Size(state.BytesWritten)} written, {state.RowsRemoved} rows removed");
    }

    private static string Size(long bytes) => bytes < 1_000_000
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3:0.0} kB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0.0} MB");
}
