using System.Globalization;
using System.CommandLine;
using Spectre.Console;

namespace Milvus.Orleans.Cli.Commands;

/// <summary><c>flush [collection]</c>: returns once history holds everything written before.</summary>
internal static class FlushCommand
{
    public static Command Create()
    {
        var collection = new Argument<string?>("collection") { Description = "The collection; every collection when left out.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("flush", "Persist what was written to history (Parquet in blob storage).") { collection };
        command.SetAction((parse, ct) => ClusterConnection.RunAsync(parse, async (client, token) =>
        {
            var name = parse.GetValue(collection);
            var results = name is null
                ? await client.FlushAsync(token)
                : new Dictionary<string, Messages.FlushResult> { [name] = await client.FlushAsync(name, token) };
            foreach (var (flushed, result) in results)
            {
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"flushed [bold]{flushed}[/] up to {result.Ts}: {result.SegmentIds.Count} segments sealed");
            }
        }, ct));
        return command;
    }
}
