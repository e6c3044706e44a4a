using System.CommandLine;
using Milvus.Orleans.Cli;
using Milvus.Orleans.Cli.Commands;

var root = new RootCommand("milvus-orleans: collections, import, search, query, flush and status of a Milvus.Orleans cluster.")
{
    ClusterConnection.Redis,
    ClusterConnection.ClusterId,
};
root.Subcommands.Add(CollectionCommands.Create());
root.Subcommands.Add(InsertCommand.Create());
root.Subcommands.Add(ReadCommands.Search());
root.Subcommands.Add(ReadCommands.Query());
root.Subcommands.Add(ReadCommands.Count());
root.Subcommands.Add(FlushCommand.Create());
root.Subcommands.Add(StatusCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
return await root.Parse(args).InvokeAsync();
