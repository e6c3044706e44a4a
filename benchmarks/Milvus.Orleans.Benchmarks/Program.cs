using Milvus.Orleans.Benchmarks;

// Usage: wal|streaming|failover|recovery|memory|query|rest|lifecycle [--quick], streaming [--quick] --wal blob (blob beside local),
// fuzz [--minutes N]. Prints key=value lines;
// docs/benchmarks.md and docs/reliability.md record them with the machine.
var quick = args.Contains("--quick");
switch (args)
{
    case ["wal", ..]:
        await WalBenchmark.RunAsync(quick ? TimeSpan.FromSeconds(3) : TimeSpan.FromSeconds(15), Console.Out);
        return 0;
    case ["failover", ..]:
        await ProcessFailoverBenchmark.RunAsync(kills: quick ? 5 : 9, Console.Out);
        return 0;
    case ["streaming", ..]:
        await StreamingBenchmark.RunAsync(
            quick ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(20), kills: quick ? 5 : 9, Console.Out, blob: args.Contains("--wal") && args.Contains("blob"));
        return 0;
    case ["recovery", ..]:
        await RecoveryBenchmark.RunAsync(rows: quick ? 100_000 : 1_000_000, Console.Out);
        return 0;
    case ["memory", ..]:
        await MemoryBenchmark.RunAsync(bytes: quick ? 512L << 20 : 2L << 30, Console.Out);
        return 0;
    case ["query", ..]:
        await QueryBenchmark.RunAsync(rows: 100_000, quick ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(30), Console.Out);
        return 0;
    case ["lifecycle", ..]:
        await LifecycleBenchmark.RunAsync(rowsPerFlush: quick ? 20 : 100, quick ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(30), Console.Out);
        return 0;
    case ["rest", ..]:
        await RestBenchmark.RunAsync(rows: quick ? 50_000 : 200_000, quick ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(30), Console.Out);
        return 0;
    case ["fuzz", "--minutes", var minutes] when double.TryParse(minutes, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0:
        await FuzzBenchmark.RunAsync(TimeSpan.FromMinutes(value), Console.Out);
        return 0;
    case ["fuzz"]:
        await FuzzBenchmark.RunAsync(TimeSpan.FromMinutes(1), Console.Out);
        return 0;
    default:
        await Console.Error.WriteLineAsync("usage: Milvus.Orleans.Benchmarks wal|streaming|failover|recovery|memory|query|rest|lifecycle [--quick] | streaming [--quick] --wal blob | fuzz [--minutes N]");
        return 2;
}
