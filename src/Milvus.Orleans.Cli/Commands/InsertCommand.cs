using System.Globalization;
using System.CommandLine;
using System.Diagnostics;
using Milvus.Orleans.Cli.Files;
using Spectre.Console;

namespace Milvus.Orleans.Cli.Commands;

/// <summary><c>insert collection file</c>: imports .parquet, .npy, .fvecs or .jsonl, several batches in flight.</summary>
internal static class InsertCommand
{
    public static Command Create()
    {
        var collection = new Argument<string>("collection") { Description = "The collection." };
        var file = new Argument<FileInfo>("file") { Description = "A .parquet, .npy, .fvecs or .jsonl file." };
        var batch = new Option<int>("--batch") { Description = "Rows per insert call (1..100000).", DefaultValueFactory = _ => 1_000 }.InRange(1, 100_000);
        var firstKey = new Option<long>("--first-id") { Description = "Key of the first vector of a .npy or .fvecs file (keys count up from it).", DefaultValueFactory = _ => 0 };
        var partition = new Option<string?>("--partition") { Description = "The partition (default: _default)." };
        var command = new Command("insert", "Import rows from a file, with progress.") { collection, file, batch, firstKey, partition };
        command.SetAction((parse, ct) => ClusterConnection.RunAsync(parse, async (client, token) =>
        {
            var name = parse.GetValue(collection)!;
            var path = parse.GetValue(file)!.FullName;
            var info = await client.DescribeCollectionAsync(name, token);
            var total = await RowFiles.CountRowsAsync(path, info.Schema, token);
            var inserted = 0L;
            var clock = Stopwatch.StartNew();
            await ProgressReport.RunAsync($"insert into {name}", total, async report =>
            {
                // Four batches in flight keep every shard busy without holding the file in memory.
                using var window = new SemaphoreSlim(4);
                var pending = new List<Task>();
                await foreach (var rows in RowFiles.ReadAsync(path, info.Schema, parse.GetValue(batch), parse.GetValue(firstKey), token))
                {
                    await window.WaitAsync(token);
                    pending.Add(Task.Run(
                        async () =>
                        {
                            try
                            {
                                var result = await client.InsertAsync(name, rows, parse.GetValue(partition), token);
                                Interlocked.Add(ref inserted, result.Count);
                                report(result.Count);
                            }
                            finally
                            {
                                window.Release();
                            }
                        },
                        token));
                }

                await Task.WhenAll(pending);
            });
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"inserted [bold]{inserted:N0}[/] rows into {name} in {clock.Elapsed.TotalSeconds:0.0} s ({inserted / Math.Max(0.001, clock.Elapsed.TotalSeconds):N0} rows/s)");
        }, ct));
        return command;
    }
}
