using System.Threading.Channels;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Wal.Tests;

/// <summary>The contract every <see cref="IWalStorage"/> back-end must keep; one subclass per back-end.</summary>
public abstract class WalStorageConformanceTests : IAsyncLifetime
{
    private const int Logs = 3;
    private const int Terms = 3;
    private const int ReadersPerLog = 4;
    private const int MaxPayload = 64 * 1024;

    protected IWalStorage Storage { get; private set; } = null!;

    /// <summary>Records each term appends to each log in the concurrent test (a multiple of 8).</summary>
    protected virtual int RecordsPerTerm => 1000;

    /// <summary>A fresh, empty storage.</summary>
    protected abstract IWalStorage CreateStorage();

    public ValueTask InitializeAsync()
    {
        Storage = CreateStorage();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        DeleteStorage();
        return ValueTask.CompletedTask;
    }

    /// <summary>Removes what <see cref="CreateStorage"/> left on disk.</summary>
    protected virtual void DeleteStorage()
    {
    }

    [Fact]
    public async Task AppendAndRead_WhenThreeTermsWriteWhileFourReadersFollow_EveryReaderSeesExactlyTheAcknowledgedRecords()
    {
        var ct = TestContext.Current.CancellationToken;
        await Task.WhenAll(Enumerable.Range(0, Logs).Select(async l =>
        {
            var log = $"conformance-{l}";
            var acknowledged = new List<(WalPosition Id, byte[] Payload)>();
            using var stopReaders = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var readers = Enumerable.Range(0, ReadersPerLog)
                .Select(_ => Collect(log, WalPosition.Start, Terms * RecordsPerTerm, stopReaders.Token))
                .ToArray();

            for (var term = 1; term <= Terms; term++)
            {
                await using var writer = await Storage.OpenWriterAsync(log, term, ct);
                var random = new Random(l * 100 + term);
                // 8 concurrent appenders per term, so batches are shared (group commit).
                var payloads = Enumerable.Range(0, RecordsPerTerm).Select(_ => RandomBytes(random, random.Next(1, MaxPayload + 1))).ToArray();
                var appended = await Task.WhenAll(payloads.Chunk(RecordsPerTerm / 8).Select(async chunk =>
                {
                    var ids = new List<(WalPosition, byte[])>();
                    foreach (var payload in chunk)
                    {
                        var id = (await writer.AppendAsync([new WalEntry((byte)term, payload)], ct))[0];
                        ids.Add((id, payload));
                    }

                    return ids;
                }));
                acknowledged.AddRange(appended.SelectMany(a => a));
            }

            var expected = acknowledged.OrderBy(a => a.Id).ToList();
            Assert.Equal(Terms * RecordsPerTerm, expected.Select(e => e.Id).Distinct().Count());
            foreach (var seen in await Task.WhenAll(readers))
            {
                Assert.Equal(expected.Count, seen.Count);
                for (var i = 0; i < expected.Count; i++)
                {
                    Assert.Equal(expected[i].Id, seen[i].Id);
                    Assert.True(expected[i].Payload.AsSpan().SequenceEqual(seen[i].Payload.Span), $"{log} record {i} differs");
                    Assert.True(i == 0 || seen[i].Id > seen[i - 1].Id);
                    Assert.True(i + 1 == seen.Count || seen[i].Next == seen[i + 1].Id);
                }
            }
        }));
    }

    [Fact]
    public async Task ReadAsync_FromAnIdOrItsNext_ReturnsExactlyTheSuffix()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var writer = await Storage.OpenWriterAsync("suffix", 1, ct);
        var ids = await writer.AppendAsync([.. Enumerable.Range(0, 50).Select(i => new WalEntry(7, BitConverter.GetBytes(i)))], ct);
        var all = await ReadAll("suffix", WalPosition.Start);

        var fromTenth = await ReadAll("suffix", ids[10]);
        var afterTenth = await ReadAll("suffix", all[10].Next);

        Assert.Equal(ids.Skip(10), fromTenth.Select(r => r.Id));
        Assert.Equal(ids.Skip(11), afterTenth.Select(r => r.Id));
        Assert.Equal(Enumerable.Range(10, 40), fromTenth.Select(r => BitConverter.ToInt32(r.Payload.Span)));
        Assert.All(fromTenth, r => Assert.Equal(7, r.Type));
        Assert.Equal(all[^1].Next, writer.DurableEnd);
    }

    [Fact]
    public async Task AppendAsync_WhenANewerTermOpenedTheLog_IsFencedAndWritesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var stale = await Storage.OpenWriterAsync("fenced", 1, ct);
        await stale.AppendAsync([new WalEntry(1, "before"u8.ToArray())], ct);
        await using var current = await Storage.OpenWriterAsync("fenced", 2, ct);

        var fenced = await Assert.ThrowsAsync<WalFencedException>(async () => await stale.AppendAsync([new WalEntry(1, "stale"u8.ToArray())], ct));
        await current.AppendAsync([new WalEntry(2, "after"u8.ToArray())], ct);

        Assert.Equal((1L, 2L), (fenced.Term, fenced.CurrentTerm));
        Assert.Equal(["before", "after"], (await ReadAll("fenced", WalPosition.Start)).Select(r => System.Text.Encoding.UTF8.GetString(r.Payload.Span)));
    }

    [Fact]
    public async Task OpenWriterAsync_WithATermOlderThanTheLogs_IsFenced()
    {
        var ct = TestContext.Current.CancellationToken;
        await (await Storage.OpenWriterAsync("older", 5, ct)).DisposeAsync();

        var fenced = await Assert.ThrowsAsync<WalFencedException>(async () => await Storage.OpenWriterAsync("older", 4, ct));

        Assert.Equal((4L, 5L), (fenced.Term, fenced.CurrentTerm));
    }

    [Fact]
    public async Task TruncateAsync_UpToARecord_KeepsThatRecordAndEverythingAfter()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var writer = await Storage.OpenWriterAsync("truncate", 1, ct);
        var ids = new List<WalPosition>();
        for (var i = 0; i < 600; i++)
        {
            ids.AddRange(await writer.AppendAsync([new WalEntry(0, new byte[1000])], ct));
        }

        await writer.TruncateAsync(ids[450], ct);
        var remaining = await ReadAll("truncate", WalPosition.Start);

        Assert.True(remaining.Count < 600, "nothing was removed");
        Assert.Equal(ids.Skip(600 - remaining.Count), remaining.Select(r => r.Id));
        Assert.True(remaining[0].Id <= ids[450]);
    }

    [Fact]
    public async Task ReadAsync_WhenFollowing_ReceivesRecordsAppendedLater()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var writer = await Storage.OpenWriterAsync("follow", 1, ct);
        var reader = Collect("follow", WalPosition.Start, 3, ct);

        foreach (var value in new byte[] { 1, 2, 3 })
        {
            await writer.AppendAsync([new WalEntry(value, new[] { value })], ct);
        }

        Assert.Equal([1, 2, 3], (await reader).Select(r => r.Type));
    }

    [Fact]
    public async Task ReadAsync_WhenFollowingAcrossAWriterHandover_ReceivesTheNewWritersRecords()
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        var received = Channel.CreateUnbounded<WalRecord>();
        var first = await Storage.OpenWriterAsync("handover", 1, deadline.Token);
        var reading = Task.Run(async () =>
        {
            await foreach (var record in Storage.ReadAsync("handover", WalPosition.Start, follow: true, deadline.Token))
            {
                await received.Writer.WriteAsync(record, deadline.Token);
            }
        }, deadline.Token);
        await first.AppendAsync([new WalEntry(1, new byte[] { 1 })], deadline.Token);
        var one = await received.Reader.ReadAsync(deadline.Token);
        // Let the reader park on the first writer's wake-up before that writer goes away.
        await Task.Delay(TimeSpan.FromMilliseconds(200), deadline.Token);

        await first.DisposeAsync();
        await using var second = await Storage.OpenWriterAsync("handover", 2, deadline.Token);
        await second.AppendAsync([new WalEntry(2, new byte[] { 2 })], deadline.Token);
        var two = await received.Reader.ReadAsync(deadline.Token);

        Assert.Equal([1, 2], new[] { one.Type, two.Type });
        await deadline.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
    }

    [Theory]
    [InlineData(4 * 1024 * 1024 - 1)]
    [InlineData(4 * 1024 * 1024 + 1)]
    [InlineData(64 * 1024 * 1024)]
    public async Task AppendAsync_WithALargeRecord_ReadsItBackWholeBeforeTheNextOne(int length)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var writer = await Storage.OpenWriterAsync("large", 1, ct);
        var payload = RandomBytes(new Random(length), length);

        var large = await writer.AppendAsync([new WalEntry(1, payload)], ct);
        var after = await writer.AppendAsync([new WalEntry(2, "after"u8.ToArray())], ct);
        var records = await ReadAll("large", WalPosition.Start);

        Assert.Equal([large[0], after[0]], records.Select(r => r.Id));
        Assert.Equal([(byte)1, (byte)2], records.Select(r => r.Type));
        Assert.True(payload.AsSpan().SequenceEqual(records[0].Payload.Span), "the large record differs");
        Assert.Equal((after[0], writer.DurableEnd), (records[0].Next, records[1].Next));
    }

    [Fact]
    public async Task AppendAsync_WhenConcurrentBatchesTogetherExceedFourMebibytes_KeepsEveryBatchContiguous()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var writer = await Storage.OpenWriterAsync("groups", 1, ct);
        var random = new Random(42);
        // 8 appenders, each sending 3 batches of 3 records of up to 1 MiB: groups of several MiB span blocks.
        var batches = Enumerable.Range(0, 24)
            .Select(_ => Enumerable.Range(0, 3).Select(_ => RandomBytes(random, random.Next(1, 1024 * 1024 + 1))).ToArray())
            .ToArray();

        var appended = await Task.WhenAll(batches.Chunk(3).Select(async mine =>
        {
            var ids = new List<IReadOnlyList<WalPosition>>();
            foreach (var batch in mine)
            {
                ids.Add(await writer.AppendAsync([.. batch.Select(p => new WalEntry(3, p))], ct));
            }

            return ids;
        }));
        var records = await ReadAll("groups", WalPosition.Start);

        var index = records.Select((r, i) => (r.Id, i)).ToDictionary(p => p.Id, p => p.i);
        var batchIds = appended.SelectMany(a => a).ToList();
        Assert.Equal(72, records.Count);
        Assert.All(batchIds, ids => Assert.Equal([index[ids[0]], index[ids[0]] + 1, index[ids[0]] + 2], ids.Select(id => index[id])));
        Assert.All(batches.Zip(appended.SelectMany(a => a)).SelectMany(p => p.First.Zip(p.Second)),
            sent => Assert.True(sent.First.AsSpan().SequenceEqual(records[index[sent.Second]].Payload.Span)));
        Assert.All(records.Zip(records.Skip(1)), pair => Assert.Equal(pair.First.Next, pair.Second.Id));
        Assert.Equal(records[^1].Next, writer.DurableEnd);
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("")]
    [InlineData("a/b")]
    public async Task OpenWriterAsync_WithAnUnsafeName_IsRejected(string log)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await Storage.OpenWriterAsync(log, 1, TestContext.Current.CancellationToken));

        Assert.Contains($"Log name '{log}' is invalid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppendAsync_WithAnEmptyBatch_IsRejected()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var writer = await Storage.OpenWriterAsync("empty", 1, ct);

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await writer.AppendAsync([], ct));

        Assert.StartsWith("Nothing to append", error.Message, StringComparison.Ordinal);
    }

    protected async Task<List<WalRecord>> ReadAll(string log, WalPosition from)
    {
        var records = new List<WalRecord>();
        await foreach (var record in Storage.ReadAsync(log, from, follow: false, TestContext.Current.CancellationToken))
        {
            records.Add(record);
        }

        return records;
    }

    private async Task<List<WalRecord>> Collect(string log, WalPosition from, int count, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var records = new List<WalRecord>(count);
        await foreach (var record in Storage.ReadAsync(log, from, follow: true, cancellationToken))
        {
            records.Add(record);
            if (records.Count == count)
            {
                break;
            }
        }

        return records;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}

public sealed class MemoryWalStorageConformanceTests : WalStorageConformanceTests
{
    protected override IWalStorage CreateStorage() => new MemoryWalStorage();
}

public sealed class LocalWalStorageConformanceTests : WalStorageConformanceTests
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("milvus-wal-");

    // Small segments, so rolling and truncation by whole segments are exercised.
    protected override IWalStorage CreateStorage() => new LocalWalStorage(new LocalWalOptions { Path = _directory.FullName, SegmentBytes = 256 * 1024 });

    protected override void DeleteStorage() => _directory.Delete(recursive: true);
}

/// <summary>The local back-end behind a 1 MiB write-ahead buffer: followers move between buffer and files.</summary>
public sealed class BufferedWalStorageConformanceTests : WalStorageConformanceTests
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("milvus-wal-");

    protected override IWalStorage CreateStorage() => new BufferedWalStorage(
        new LocalWalStorage(new LocalWalOptions { Path = _directory.FullName, SegmentBytes = 256 * 1024 }),
        capacityBytesPerLog: 1024 * 1024,
        maxAge: TimeSpan.FromMinutes(1));

    protected override void DeleteStorage() => _directory.Delete(recursive: true);
}

/// <summary>Azure append blobs on a real Azurite; small segments, so rolls and truncation are exercised.</summary>
public sealed class AzureBlobWalStorageConformanceTests(AzuriteFixture azurite) : WalStorageConformanceTests, IClassFixture<AzuriteFixture>
{
    /// <summary>
    /// Each append and each follower's read is an HTTP round trip to Azurite, a Node process on the same two cores as
    /// the rest of the suite: 1,000 records took 146 s here, 200 keep every term rolling over many 256 KiB segments.
    /// </summary>
    protected override int RecordsPerTerm => 200;

    protected override IWalStorage CreateStorage() => new Milvus.Orleans.Wal.AzureBlob.AzureBlobWalStorage(
        azurite.Service.GetBlobContainerClient($"wal-{Guid.NewGuid():N}"),
        new Milvus.Orleans.Wal.AzureBlob.AzureBlobWalOptions { SegmentBytes = 256 * 1024 });
}
