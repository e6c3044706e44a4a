using System.CommandLine;
using Milvus.Orleans.Cli;
using Milvus.Orleans.Cli.Commands;

var root = new RootCommand(
    "milvus-orleans: collections, import, search, query, flush and status of a Milvus.Orleans cluster. " +
    "Exit codes: 0 done; 2 bad input (flags, files, a request the service rejects for its content); " +
    "3 refused by the service (missing collection, no permission, ...); 4 cluster unavailable; 1 anything else.")
{
    ClusterConnection.Redis,
    ClusterConnection.ClusterId,
    ClusterConnection.Token,
    ClusterConnection.Verbose,
};
root.Subcommands.Add(CollectionCommands.Create());
root.Subcommands.Add(InsertCommand.Create());
root.Subcommands.Add(ReadCommands.Search());
root.Subcommands.Add(ReadCommands.Query());
root.Subcommands.Add(ReadCommands.Count());
root.Subcommands.Add(FlushCommand.Create());
root.Subcommands.Add(CompactCommand.Create());
root.Subcommands.Add(StatusCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    return CliErrors.ReportUsage(parse.Errors.Select(e => e.Message));
}

return await parse.InvokeAsync();
