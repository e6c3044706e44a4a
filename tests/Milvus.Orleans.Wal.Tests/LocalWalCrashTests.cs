using System.Diagnostics;
using System.Globalization;
using Milvus.Orleans.Wal.Storage;
using Milvus.Orleans.Wal.Tests.Crash;

namespace Milvus.Orleans.Wal.Tests;

/// <summary>
/// A writer process is killed with SIGKILL at random moments, 20 times, each time reopened with a newer term.
/// Every acknowledged record must then be readable exactly once, in order, and nothing else but whole records.
/// </summary>
public sealed class LocalWalCrashTests : IDisposable
{
    private const string Log = "crash";
    private const int Rounds = 20;
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("milvus-wal-crash-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Recovery_AfterTwentySigkills_KeepsEveryAcknowledgedRecordOnceInOrderAndNothingTorn()
    {
        var ct = TestContext.Current.CancellationToken;
        var random = new Random(20261125);
        var acknowledged = new Dictionary<long, (long Term, int Appender, long Sequence)>();
        for (var term = 1; term <= Rounds; term++)
        {
            foreach (var (id, record) in await RunAndKill(term, TimeSpan.FromMilliseconds(random.Next(50, 400)), ct))
            {
                Assert.True(acknowledged.TryAdd(id, record), $"id {id} acknowledged twice");
            }
        }

        // The next owner cuts whatever torn tail the last kill left, then everything is read back.
        var storage = new LocalWalStorage(new LocalWalOptions { Path = _directory.FullName, RecoveryErrorIgnore = false });
        await using var writer = await storage.OpenWriterAsync(Log, Rounds + 1, ct);
        var records = new List<WalRecord>();
        await foreach (var record in storage.ReadAsync(Log, WalPosition.Start, follow: false, ct))
        {
            records.Add(record);
        }

        var parsed = records.Select(r => (r.Id.Value, Record: CrashRecord.Parse(r.Payload.Span))).ToList();
        Assert.All(parsed, p => Assert.True(p.Record.HasValue, $"record {p.Value} is not a whole record"));
        Assert.Equal(parsed.Count, parsed.Select(p => p.Record).Distinct().Count());
        Assert.True(parsed.Zip(parsed.Skip(1)).All(pair => pair.First.Value < pair.Second.Value), "ids do not increase");
        var readable = parsed.ToDictionary(p => p.Value, p => p.Record!.Value);
        foreach (var (id, record) in acknowledged)
        {
            Assert.True(readable.TryGetValue(id, out var found), $"acknowledged id {id} is missing");
            Assert.Equal(record, found);
        }

        // Each appender's records of one term are in sequence order: the log kept the order of acknowledgement.
        foreach (var stream in parsed.GroupBy(p => (p.Record!.Value.Term, p.Record.Value.Appender)))
        {
            Assert.Equal(stream.Select(p => p.Record!.Value.Sequence).Order(), stream.Select(p => p.Record!.Value.Sequence));
        }

        Assert.True(acknowledged.Count > Rounds * 10, $"only {acknowledged.Count} records were acknowledged");
        Assert.Equal(0, storage.CorruptRecordsSkipped);
    }

    /// <summary>Runs the writer as term <paramref name="term"/> for <paramref name="runFor"/> after it is ready, then SIGKILLs it.</summary>
    private async Task<List<(long Id, (long, int, long) Record)>> RunAndKill(int term, TimeSpan runFor, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "Milvus.Orleans.Wal.CrashWriter"),
            [_directory.FullName, Log, term.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var writer = Process.Start(start)!;
        var stderr = writer.StandardError.ReadToEndAsync(cancellationToken);
        var firstLine = await writer.StandardOutput.ReadLineAsync(cancellationToken);
        if (firstLine != "ready")
        {
            Assert.Fail($"term {term}: the writer did not start: {firstLine} {await stderr}");
        }

        var lines = writer.StandardOutput.ReadToEndAsync(cancellationToken);

        await Task.Delay(runFor, cancellationToken);
        writer.Kill(); // SIGKILL: no chance to flush or close anything
        await writer.WaitForExitAsync(cancellationToken);

        var acknowledged = new List<(long, (long, int, long))>();
        foreach (var line in (await lines).Split('\n'))
        {
            var parts = line.Split(' ');
            // The last line may be cut off by the kill; a whole one has exactly four parts.
            if (parts is ["ack", var id, var appender, var sequence])
            {
                acknowledged.Add((long.Parse(id, CultureInfo.InvariantCulture),
                    (term, int.Parse(appender, CultureInfo.InvariantCulture), long.Parse(sequence, CultureInfo.InvariantCulture))));
            }
        }

        return acknowledged;
    }
}
