using Microsoft.Extensions.Time.Testing;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Wal.Tests;

/// <summary>What the local back-end does with damaged files, several owners, and its durability policy.</summary>
public sealed class LocalWalRecoveryTests : IDisposable
{
    private const string Log = "recovery";
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("milvus-wal-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OpenWriterAsync_WhenTheLastWriteIsTorn_CutsItAndKeepsEveryWholeRecord(bool ignoreCorruption)
    {
        // A torn tail is a write never acknowledged, not corruption: it is cut whatever RecoveryErrorIgnore says.
        var ct = TestContext.Current.CancellationToken;
        var ids = await WriteRecords(Storage(ignoreCorruption), 20);
        // A write cut off mid-header, right after the last record (the file beyond is preallocated zeros).
        using (var segment = File.OpenHandle(SegmentPath(0), FileMode.Open, FileAccess.ReadWrite))
        {
            var frame = new byte[WalFrame.SizeOf(4)];
            RandomAccess.Read(segment, frame, 0);
            RandomAccess.Write(segment, frame.AsSpan(0, 9), ids[^1].Value + WalFrame.SizeOf(4));
        }

        var storage = Storage(ignoreCorruption);
        await using var writer = (LocalWalWriter)await storage.OpenWriterAsync(Log, 2, ct);
        var appended = await writer.AppendAsync([new WalEntry(9, new byte[] { 42 })], ct);

        Assert.Equal(new WalRecoveryReport(9, 0), writer.Recovery);
        var records = await ReadAll(storage);
        Assert.Equal([.. ids, appended[0]], records.Select(r => r.Id));
        Assert.Equal(42, records[^1].Payload.Span[0]);
    }

    [Fact]
    public async Task ReadAsync_WhenARecordInTheMiddleIsCorruptAndIgnored_SkipsAndCountsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var ids = await WriteRecords(Storage(), 20);
        FlipPayloadByte(ids[7]);

        var storage = Storage();
        await using var writer = (LocalWalWriter)await storage.OpenWriterAsync(Log, 2, ct);
        var records = await ReadAll(storage);

        Assert.Equal(new WalRecoveryReport(0, 1), writer.Recovery);
        Assert.Equal(ids.Where((_, i) => i != 7), records.Select(r => r.Id));
        Assert.Equal(Enumerable.Range(0, 20).Where(i => i != 7), records.Select(r => BitConverter.ToInt32(r.Payload.Span)));
        Assert.Equal(2, storage.CorruptRecordsSkipped); // once by the writer's recovery, once by the reader
    }

    [Fact]
    public async Task ReadAsync_WhenARecordHeaderInTheMiddleIsZeroedAndIgnored_SkipsOnlyThatRecord()
    {
        var ct = TestContext.Current.CancellationToken;
        var ids = await WriteRecords(Storage(), 20);
        using (var segment = File.OpenHandle(SegmentPath(0), FileMode.Open, FileAccess.Write))
        {
            RandomAccess.Write(segment, new byte[WalFrame.HeaderSize], ids[7].Value); // a lost sector reads as zeros
        }

        var storage = Storage();
        await using var writer = (LocalWalWriter)await storage.OpenWriterAsync(Log, 2, ct);
        var records = await ReadAll(storage);

        Assert.Equal(new WalRecoveryReport(0, 1), writer.Recovery);
        Assert.Equal(ids.Where((_, i) => i != 7), records.Select(r => r.Id));
    }

    [Fact]
    public async Task OpenWriterAsync_WhenARecordInTheMiddleIsCorruptAndNotIgnored_FailsNamingLogSegmentAndOffset()
    {
        var ids = await WriteRecords(Storage(), 20);
        FlipPayloadByte(ids[7]);

        var error = await Assert.ThrowsAsync<WalCorruptException>(
            async () => await Storage(ignoreCorruption: false).OpenWriterAsync(Log, 2, TestContext.Current.CancellationToken));

        Assert.Equal(
            $"Log '{Log}': corrupt record in segment 00000000000000000000.seg at offset {ids[7].Value}; set Milvus:Wal:RecoveryErrorIgnore=true to skip it.",
            error.Message);
    }

    [Fact]
    public async Task ReadAsync_WhenACorruptRecordIsInAnOlderSegmentAndNotIgnored_FailsNamingIt()
    {
        var ids = await WriteRecords(Storage(segmentBytes: 100), 20);
        var segments = Directory.GetFiles(Path.Combine(_directory.FullName, Log), "*.seg").Order(StringComparer.Ordinal).ToArray();
        Assert.True(segments.Length > 2);
        FlipPayloadByte(ids[0]);

        var error = await Assert.ThrowsAsync<WalCorruptException>(() => ReadAll(Storage(ignoreCorruption: false)));

        Assert.Equal((Log, "00000000000000000000.seg", 0L), (error.Log, error.Segment, error.Offset));
    }

    [Fact]
    public async Task AppendAsync_WhenAnotherProcessOpenedANewerTerm_IsFencedAndWritesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        // Two storages on one directory stand for two silos sharing the WAL volume.
        await using var stale = await Storage().OpenWriterAsync(Log, 1, ct);
        await stale.AppendAsync([new WalEntry(1, new byte[] { 1 })], ct);
        await using var current = await Storage().OpenWriterAsync(Log, 2, ct);

        await Assert.ThrowsAsync<WalFencedException>(async () => await stale.AppendAsync([new WalEntry(1, new byte[] { 2 })], ct));
        await Assert.ThrowsAsync<WalFencedException>(async () => await stale.TruncateAsync(new WalPosition(long.MaxValue), ct));

        Assert.Equal([1], (await ReadAll(Storage())).Select(r => (int)r.Payload.Span[0]));
    }

    [Fact]
    public async Task AppendAsync_WithIntervalDurability_IsAcknowledgedOnlyByTheFlushThatCoversIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = new FakeTimeProvider();
        var storage = new LocalWalStorage(
            new LocalWalOptions { Path = _directory.FullName, Durability = WalDurability.Every(TimeSpan.FromMilliseconds(100)) }, clock);
        await using var writer = await storage.OpenWriterAsync(Log, 1, ct);

        var append = writer.AppendAsync([new WalEntry(1, new byte[] { 1 })], ct).AsTask();
        await Task.Delay(TimeSpan.FromMilliseconds(200), ct); // real time passes; the policy's clock does not

        Assert.False(append.IsCompleted);
        Assert.Equal(WalPosition.Start, writer.DurableEnd);
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal([WalPosition.Start], await append.WaitAsync(TimeSpan.FromSeconds(10), ct));
        Assert.Equal(new WalPosition(WalFrame.SizeOf(1)), writer.DurableEnd);
    }

    [Fact]
    public async Task ReadAsync_WhenAnotherProcessIsMidWayThroughCopyingARecord_StopsBeforeItAndLaterReadsItWhole()
    {
        // A reader of a log written by another process knows no durable end. It may see a record whose bytes are
        // still being copied in (failing its checksum) while a later record of the same write is already whole.
        var ct = TestContext.Current.CancellationToken;
        var ids = await WriteRecords(Storage(), 3);
        var tail = ids[^1].Value + WalFrame.SizeOf(4);
        var copying = new byte[WalFrame.SizeOf(1000)];
        WalFrame.Write(copying, 7, Enumerable.Range(0, 1000).Select(i => (byte)(i | 1)).ToArray());
        var next = new byte[WalFrame.SizeOf(10)];
        WalFrame.Write(next, 8, new byte[10]);
        using (var segment = File.OpenHandle(SegmentPath(0), FileMode.Open, FileAccess.ReadWrite))
        {
            RandomAccess.Write(segment, copying.AsSpan(0, 500), tail);
            RandomAccess.Write(segment, next, tail + copying.Length);
        }

        var reader = Storage();
        var whileCopying = await ReadAll(reader);
        using (var segment = File.OpenHandle(SegmentPath(0), FileMode.Open, FileAccess.ReadWrite))
        {
            RandomAccess.Write(segment, copying.AsSpan(500), tail + 500);
        }

        var afterCopy = await ReadAll(reader);

        Assert.Equal(ids, whileCopying.Select(r => r.Id));
        Assert.Equal([.. ids, new WalPosition(tail), new WalPosition(tail + copying.Length)], afterCopy.Select(r => r.Id));
        Assert.Equal([1, 1, 1, 7, 8], afterCopy.Select(r => (int)r.Type));
        Assert.Equal(0, reader.CorruptRecordsSkipped);
    }

    private LocalWalStorage Storage(bool ignoreCorruption = true, long segmentBytes = 64 * 1024 * 1024) =>
        new(new LocalWalOptions { Path = _directory.FullName, RecoveryErrorIgnore = ignoreCorruption, SegmentBytes = segmentBytes });

    private string SegmentPath(long baseLsn) => Path.Combine(_directory.FullName, Log, SegmentFiles.Name(baseLsn));

    /// <summary>Flips one bit of the payload of the record at <paramref name="id"/>, in whichever segment holds it.</summary>
    private void FlipPayloadByte(WalPosition id)
    {
        var baseLsn = SegmentFiles.List(Path.Combine(_directory.FullName, Log)).Last(b => b <= id.Value);
        using var file = File.Open(SegmentPath(baseLsn), FileMode.Open, FileAccess.ReadWrite);
        file.Position = id.Value - baseLsn + WalFrame.HeaderSize;
        var value = file.ReadByte();
        file.Position--;
        file.WriteByte((byte)(value ^ 0x01));
    }

    private static async Task<List<WalPosition>> WriteRecords(LocalWalStorage storage, int count)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var writer = await storage.OpenWriterAsync(Log, 1, ct);
        var ids = new List<WalPosition>();
        for (var i = 0; i < count; i++)
        {
            ids.AddRange(await writer.AppendAsync([new WalEntry(1, BitConverter.GetBytes(i))], ct));
        }

        return ids;
    }

    private static async Task<List<WalRecord>> ReadAll(LocalWalStorage storage)
    {
        var records = new List<WalRecord>();
        await foreach (var record in storage.ReadAsync(Log, WalPosition.Start, follow: false, TestContext.Current.CancellationToken))
        {
            records.Add(record);
        }

        return records;
    }
}
