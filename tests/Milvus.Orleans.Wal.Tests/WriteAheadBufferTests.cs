using System.Diagnostics.Metrics;
using Microsoft.Extensions.Time.Testing;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Wal.Tests;

public sealed class WriteAheadBufferTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public void TryRead_WhenAppendsFinishedOutOfOrder_ReturnsThemInIdOrderOnceContiguous()
    {
        var buffer = new WriteAheadBuffer(WalPosition.Start, 1024 * 1024, Minute, TimeProvider.System);
        var first = Records(0, 3);
        var second = Records(first[^1].Next.Value, 2);

        buffer.Add(second);
        var beforeGapFilled = buffer.TryRead(WalPosition.Start);
        buffer.Add(first);

        Assert.Empty(beforeGapFilled!);
        Assert.Equal([.. first, .. second], buffer.TryRead(WalPosition.Start));
        Assert.Equal(second, buffer.TryRead(second[0].Id));
    }

    [Fact]
    public void Add_WhenOverCapacity_EvictsTheOldestAndReadsBehindThemMiss()
    {
        var records = Records(0, 10, payloadBytes: 87); // 100-byte frames
        var buffer = new WriteAheadBuffer(WalPosition.Start, 450, Minute, TimeProvider.System);

        buffer.Add(records);

        Assert.Equal(400, buffer.Bytes);
        Assert.Null(buffer.TryRead(records[5].Id));
        Assert.Equal(records[6..], buffer.TryRead(records[6].Id));
    }

    [Fact]
    public void TryRead_WhenRecordsAreOlderThanMaxAge_Misses()
    {
        var clock = new FakeTimeProvider();
        var buffer = new WriteAheadBuffer(WalPosition.Start, 1024 * 1024, Minute, clock);
        var records = Records(0, 3);
        buffer.Add(records);

        clock.Advance(Minute + TimeSpan.FromSeconds(1));

        Assert.Null(buffer.TryRead(WalPosition.Start));
        Assert.Equal(0, buffer.Bytes);
        Assert.Empty(buffer.TryRead(records[^1].Next)!);
    }

    [Fact]
    public async Task AppendAsync_WhenTwoGigabytesGoThroughA64MegabyteBuffer_TheBufferNeverHoldsMoreThan64Megabytes()
    {
        const long capacity = 64L * 1024 * 1024;
        const int recordBytes = 1024 * 1024;
        var ct = TestContext.Current.CancellationToken;
        var directory = Directory.CreateTempSubdirectory("milvus-wal-");
        try
        {
            var storage = new BufferedWalStorage(
                new LocalWalStorage(new LocalWalOptions { Path = directory.FullName, SegmentBytes = 256L * 1024 * 1024 }), capacity, Minute);
            await using var writer = await storage.OpenWriterAsync("bounded", 1, ct);
            var buffer = storage.Buffer("bounded")!;
            var payload = new byte[recordBytes];
            long appended = 0, largest = 0;
            while (appended < 2L * 1024 * 1024 * 1024)
            {
                var ids = await writer.AppendAsync([new WalEntry(1, payload), new WalEntry(1, payload)], ct);
                appended += 2L * recordBytes;
                largest = Math.Max(largest, buffer.Bytes);
                if (appended % (256L * 1024 * 1024) == 0)
                {
                    await writer.TruncateAsync(ids[^1], ct); // keep the temp folder small; the bound is the buffer's
                }
            }

            Assert.InRange(largest, capacity - (2 * WalFrame.SizeOf(recordBytes)), capacity);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ReadAsync_AtTheTail_IsServedFromTheBufferAndBehindItFromStorage()
    {
        var ct = TestContext.Current.CancellationToken;
        var hits = 0L;
        var misses = 0L;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Milvus.Orleans" && instrument.Name.StartsWith("milvus.wal.buffer.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "milvus.wal.buffer.hits")
            {
                Interlocked.Add(ref hits, value);
            }
            else
            {
                Interlocked.Add(ref misses, value);
            }
        });
        listener.Start();
        var storage = new BufferedWalStorage(new MemoryWalStorage(), 10 * WalFrame.SizeOf(10), Minute);
        await using var writer = await storage.OpenWriterAsync("tail", 1, ct);
        for (var i = 0; i < 30; i++)
        {
            await writer.AppendAsync([new WalEntry(1, new byte[10])], ct);
        }

        var fromStart = new List<WalRecord>();
        await foreach (var record in storage.ReadAsync("tail", WalPosition.Start, follow: false, ct))
        {
            fromStart.Add(record);
        }

        Assert.Equal(30, fromStart.Count);
        Assert.True(fromStart.Zip(fromStart.Skip(1)).All(p => p.First.Next == p.Second.Id));
        Assert.Equal((20L, 10L), (Interlocked.Read(ref misses), Interlocked.Read(ref hits)));
    }

    private static WalRecord[] Records(long start, int count, int payloadBytes = 10)
    {
        var records = new WalRecord[count];
        for (var i = 0; i < count; i++)
        {
            var id = start + ((long)i * WalFrame.SizeOf(payloadBytes));
            records[i] = new WalRecord(new(id), new(id + WalFrame.SizeOf(payloadBytes)), 1, new byte[payloadBytes]);
        }

        return records;
    }
}
