using Microsoft.Extensions.DependencyInjection;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Streaming.Tests.Collections;
using Milvus.Orleans.Streaming.Wal;
using Milvus.Orleans.Testing;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Streaming.Tests.Recovery;

/// <summary>
/// Recovery over a local WAL of 16 KiB segments on one silo, so truncation drops whole segments (after a flush, or
/// once an idle collection's data is sealed on its own) and a record can be damaged on disk while the silo is down.
/// </summary>
public sealed class WalRecoveryTests : IAsyncDisposable
{
    private const int SegmentBytes = 16 * 1024;
    private const int BatchRows = 20;
    private readonly DirectoryInfo _wal = Directory.CreateTempSubdirectory("milvus-recovery-wal-");
    private InProcessMilvusCluster? _cluster;

    [Fact]
    public async Task FlushAsync_WhenTheLogSpansSegments_TruncatesTheLogBehindTheCheckpoint()
    {
        var ct = TestContext.Current.CancellationToken;
        var (cluster, info) = await StartAsync(recoveryErrorIgnore: true, ct);
        await InsertBatchesAsync(cluster, 0, 40, ct);
        var pchannel = Channels.ChannelNames.PChannelOf(info.VChannels[0]);
        var before = Segments(pchannel);

        await cluster.Client.FlushAsync("logged", ct);
        var after = await WaitForAsync(() => Segments(pchannel), s => s.Count < before.Count, ct);

        Assert.True(before.Count >= 4, $"{before.Count} segments");
        Assert.Equal(before[^1], after[0]);
        Assert.Single(after);
        Assert.Equal(40 * BatchRows, (await HistoryContents.ReadAsync(cluster.History, info, ct)).LiveKeys.Length);
    }

    [Fact]
    public async Task InsertAsync_WhenTheCollectionThenStaysIdle_TruncatesTheLogBehindItWithoutAFlush()
    {
        var ct = TestContext.Current.CancellationToken;
        var (cluster, info) = await StartAsync(recoveryErrorIgnore: true, ct, flushIntervalSeconds: 1);
        var pchannel = Channels.ChannelNames.PChannelOf(info.VChannels[0]);
        await InsertBatchesAsync(cluster, 0, 40, ct);
        var before = Segments(pchannel);

        // Sealed at the first time tick a second after the last insert (and after any pause as long between inserts),
        // written, checkpointed, truncated: no flush call.
        var after = await WaitForAsync(() => Segments(pchannel), s => s.Count == 1, ct);

        Assert.True(before.Count >= 4, $"{before.Count} segments");
        Assert.True(after.Count == 1 && after[0] >= before[^1], $"segments [{string.Join(", ", after)}] of [{string.Join(", ", before)}] left");
        Assert.Equal(40 * BatchRows, (await HistoryContents.ReadAsync(cluster.History, info, ct)).LiveKeys.Length);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RestartAsync_WhenALoggedInsertIsCorrupt_SkipsItOrStopsThePChannelAsRecoveryErrorIgnoreSays(bool recoveryErrorIgnore)
    {
        var ct = TestContext.Current.CancellationToken;
        var (cluster, info) = await StartAsync(recoveryErrorIgnore, ct);
        await InsertBatchesAsync(cluster, 0, 30, ct);
        var pchannel = Channels.ChannelNames.PChannelOf(info.VChannels[0]);
        var segments = Segments(pchannel);
        // An insert in the first segment: sealed, so the damage is read as damage, not as a torn tail.
        var victim = (await ReadLogAsync(cluster, pchannel, ct)).First(m => m.Message.Kind == MessageKind.Insert && m.Next <= segments[1]);

        await cluster.RestartAsync(() => CorruptAsync(pchannel, segments[0], victim), cancellationToken: ct);

        var lost = TestRows.Keys(victim.Message.Rows!);
        if (recoveryErrorIgnore)
        {
            await cluster.Client.FlushAsync("logged", ct);
            var keys = (await HistoryContents.ReadAsync(cluster.History, info, ct)).LiveKeys;
            Assert.Equal(Enumerable.Range(0, 30 * BatchRows).Select(i => (long)i).Except(lost), keys);
        }
        else
        {
            var error = await Assert.ThrowsAsync<MilvusException>(() => cluster.Client.InsertAsync("logged", TestRows.Rows(10_000, 1), cancellationToken: ct));
            Assert.Equal(ErrorCode.RecoveryFailed, error.Code);
            Assert.Contains($"pchannel '{pchannel}'", error.Message, StringComparison.Ordinal);
            Assert.Contains("Milvus:Wal:RecoveryErrorIgnore", error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RestartAsync_WhenTheCheckpointIsOlderThanTheLogsStart_GoesOnOrStopsThePChannelAsRecoveryErrorIgnoreSays(bool recoveryErrorIgnore)
    {
        var ct = TestContext.Current.CancellationToken;
        var (cluster, info) = await StartAsync(recoveryErrorIgnore, ct);
        await InsertBatchesAsync(cluster, 0, 40, ct);
        var pchannel = Channels.ChannelNames.PChannelOf(info.VChannels[0]);
        var before = Segments(pchannel);
        await cluster.Client.FlushAsync("logged", ct);
        await WaitForAsync(() => Segments(pchannel), s => s.Count < before.Count, ct);
        await InsertBatchesAsync(cluster, 40, 5, ct);

        // A checkpoint from before the truncation, as a restore of the history container from an old backup would leave.
        await cluster.RestartAsync(() => cluster.History.GetBlobClient($"checkpoints/{pchannel}.json").UploadAsync(
            BinaryData.FromString($$"""{"pChannel":"{{pchannel}}","term":1,"position":0,"timestamp":0}"""), overwrite: true, ct), cancellationToken: ct);

        if (recoveryErrorIgnore)
        {
            await cluster.Client.FlushAsync("logged", ct);
            var keys = (await HistoryContents.ReadAsync(cluster.History, info, ct)).LiveKeys;
            // Everything is there once: what history holds of the log's retained start, the manifests say, and it is
            // not taken again although the checkpoint no longer says so.
            Assert.Equal(Enumerable.Range(0, 45 * BatchRows).Select(i => (long)i), keys);
        }
        else
        {
            var error = await Assert.ThrowsAsync<MilvusException>(() => cluster.Client.InsertAsync("logged", TestRows.Rows(10_000, 1), cancellationToken: ct));
            Assert.Equal(ErrorCode.RecoveryFailed, error.Code);
            Assert.Contains("are gone from the log", error.Message, StringComparison.Ordinal);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        _wal.Delete(recursive: true);
    }

    private async Task<(InProcessMilvusCluster Cluster, CollectionInfo Info)> StartAsync(bool recoveryErrorIgnore, CancellationToken cancellationToken, int flushIntervalSeconds = 600)
    {
        _cluster = await InProcessMilvusCluster.StartAsync(
            1,
            new Dictionary<string, string?>
            {
                ["Milvus:Wal:Storage"] = "Blob",
                ["Milvus:Wal:RecoveryErrorIgnore"] = recoveryErrorIgnore.ToString(),
                ["Milvus:Segment:FlushIntervalSeconds"] = flushIntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            services => services.AddKeyedSingleton<IWalStorage>(StreamingSiloBuilderExtensions.WalBackendKey, (_, _) => new LocalWalStorage(
                new LocalWalOptions { Path = _wal.FullName, SegmentBytes = SegmentBytes, RecoveryErrorIgnore = recoveryErrorIgnore })),
            cancellationToken);
        var info = await _cluster.Client.CreateCollectionAsync(TestRows.Schema("logged", shards: 1), cancellationToken);
        return (_cluster, info);
    }

    private static async Task InsertBatchesAsync(InProcessMilvusCluster cluster, int firstBatch, int batches, CancellationToken cancellationToken)
    {
        for (var batch = firstBatch; batch < firstBatch + batches; batch++)
        {
            await cluster.Client.InsertAsync("logged", TestRows.Rows(batch * BatchRows, BatchRows), cancellationToken: cancellationToken);
        }
    }

    private async Task<List<LoggedMessage>> ReadLogAsync(InProcessMilvusCluster cluster, string pchannel, CancellationToken cancellationToken)
    {
        var codec = cluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<MessageCodec>();
        var storage = new LocalWalStorage(new LocalWalOptions { Path = _wal.FullName, SegmentBytes = SegmentBytes });
        return await storage.ReadAsync(pchannel, WalPosition.Start, follow: false, cancellationToken).Select(codec.Decode).ToListAsync(cancellationToken);
    }

    /// <summary>The base positions of the pchannel's segment files, in order.</summary>
    private List<long> Segments(string pchannel) =>
        [.. Directory.GetFiles(Path.Combine(_wal.FullName, pchannel)).Select(f => long.TryParse(Path.GetFileNameWithoutExtension(f), out var b) ? b : -1).Where(b => b >= 0).Order()];

    /// <summary>Flips a byte in the middle of <paramref name="message"/>'s record, in the segment starting at <paramref name="segmentBase"/>.</summary>
    private async Task CorruptAsync(string pchannel, long segmentBase, LoggedMessage message)
    {
        var file = Directory.GetFiles(Path.Combine(_wal.FullName, pchannel)).Single(f => Path.GetFileNameWithoutExtension(f) == segmentBase.ToString("D20", System.Globalization.CultureInfo.InvariantCulture));
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = message.Id - segmentBase + ((message.Next - message.Id) / 2);
        var original = stream.ReadByte();
        stream.Position--;
        stream.WriteByte((byte)(original ^ 0xFF));
    }

    private static async Task<T> WaitForAsync<T>(Func<T> read, Func<T, bool> done, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var value = read();
            if (done(value) || TimeProvider.System.GetElapsedTime(started) > TimeSpan.FromSeconds(15))
            {
                return value;
            }

            await Task.Delay(50, cancellationToken);
        }
    }
}
