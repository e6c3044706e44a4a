using System.Globalization;
using Milvus.Orleans.Wal.Storage;
using Milvus.Orleans.Wal.Tests.Crash;

// Usage: <directory> <log> <term>. Prints "ready", then "ack <id> <appender> <sequence>" per durable record.
var directory = args[0];
var log = args[1];
var term = long.Parse(args[2], CultureInfo.InvariantCulture);
var storage = new LocalWalStorage(new LocalWalOptions { Path = directory, SegmentBytes = 256 * 1024 });
var writer = await storage.OpenWriterAsync(log, term, CancellationToken.None);
var output = Console.Out;
var gate = new Lock();
await output.WriteLineAsync("ready");
await output.FlushAsync();

await Task.WhenAll(Enumerable.Range(0, 8).Select(appender => Task.Run(async () =>
{
    for (long sequence = 0; ; sequence++)
    {
        var id = (await writer.AppendAsync([new WalEntry(1, CrashRecord.Payload(term, appender, sequence))], CancellationToken.None))[0];
        lock (gate)
        {
            output.WriteLine($"ack {id.Value} {appender} {sequence}");
            output.Flush();
        }
    }
})));
