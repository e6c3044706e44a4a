using Milvus.Orleans.Benchmarks;

// Usage: wal [--quick]. Prints key=value lines; docs/benchmarks.md records them with the machine.
if (args is not ["wal", ..])
{
    await Console.Error.WriteLineAsync("usage: Milvus.Orleans.Benchmarks wal [--quick]");
    return 2;
}

var duration = args.Contains("--quick") ? TimeSpan.FromSeconds(3) : TimeSpan.FromSeconds(15);
await WalBenchmark.RunAsync(duration, Console.Out);
return 0;
