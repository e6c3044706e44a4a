using Milvus.Orleans.Testing;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Wal.Tests;

/// <summary>
/// A full disk or a failed <c>fdatasync</c>, injected through <see cref="WalFiles"/>: the append is never acknowledged,
/// the writer takes nothing more until the log is opened again, and once the fault clears the reopened log takes
/// appends, holding every acknowledged record once and no torn one.
/// </summary>
public sealed class LocalWalStorageFaultTests : IDisposable
{
    private const string Log = "faults";
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("milvus-wal-faults-");
    private readonly FaultyWalFiles _files = new();

    public void Dispose() => _directory.Delete(recursive: true);

    [Theory]
    [InlineData(WalFault.FailedSync, "fdatasync failed: errno 5.")]
    [InlineData(WalFault.DiskFull, "No space left on device")]
    public async Task AppendAsync_WhenStorageFails_AcknowledgesNothingAndStopsTheWriterUntilTheLogIsOpenedAgain(WalFault fault, string cause)
    {
        var ct = TestContext.Current.CancellationToken;
        var storage = Storage();
        var writer = await storage.OpenWriterAsync(Log, 1, ct);
        var first = await writer.AppendAsync([Entry(1)], ct);

        _files.Fault = fault;
        var failed = await Assert.ThrowsAsync<IOException>(async () => await writer.AppendAsync([Entry(2)], ct));
        _files.Fault = WalFault.None;
        var afterward = await Assert.ThrowsAsync<IOException>(async () => await writer.AppendAsync([Entry(3)], ct));
        await writer.DisposeAsync();

        await using var reopened = await storage.OpenWriterAsync(Log, 1, ct);
        var last = await reopened.AppendAsync([Entry(4)], ct);

        Assert.Contains(cause, failed.Message, StringComparison.Ordinal);
        Assert.Equal($"The writer of log '{Log}' (term 1) stopped after a storage failure ({failed.Message}); open the log again.", afterward.Message);
        var records = await ReadAllAsync(storage);
        // A failed fdatasync may leave its record on disk (the kernel may have written it), a failed write leaves only a
        // torn part, which opening cuts: either way the acknowledged records are there once, in order, and readable.
        var kept = records.Select(r => (int)r.Payload.Span[0]).ToArray();
        Assert.Equal(fault == WalFault.DiskFull ? [1, 4] : [1, 2, 4], kept);
        Assert.Equal(first[0], records[0].Id);
        Assert.Equal(last[0], records[^1].Id);
    }

    [Fact]
    public async Task OpenWriterAsync_WhileTheDiskIsFull_FailsAndOpensOnceItIsNot()
    {
        var ct = TestContext.Current.CancellationToken;
        var storage = Storage();
        await (await storage.OpenWriterAsync(Log, 1, ct)).DisposeAsync();

        _files.Fault = WalFault.DiskFull;
        var error = await Assert.ThrowsAsync<IOException>(async () => await storage.OpenWriterAsync(Log, 2, ct));
        _files.Fault = WalFault.None;
        await using var writer = await storage.OpenWriterAsync(Log, 2, ct);

        Assert.Contains("No space left on device", error.Message, StringComparison.Ordinal);
        Assert.Single(await writer.AppendAsync([Entry(7)], ct));
    }

    private LocalWalStorage Storage() => new(new LocalWalOptions { Path = _directory.FullName, Files = _files });

    private static WalEntry Entry(byte value) => new(1, new byte[] { value, 0, 0, 0, 0, 0, 0, 0 });

    private static async Task<List<WalRecord>> ReadAllAsync(LocalWalStorage storage) =>
        await storage.ReadAsync(Log, WalPosition.Start, follow: false, TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken);
}
