using Milvus.Orleans.Grains;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Streaming.Tests.Collections;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Streaming.Tests.Recovery;

/// <summary>
/// A logged record that decodes but cannot be applied (here an insert without rows, which no vchannel would log) fails
/// every replay the same way: recovery reports it and steps over it under <c>RecoveryErrorIgnore</c>, or stops the
/// pchannel with <see cref="ErrorCode.RecoveryFailed"/> without it. It is never retried forever.
/// </summary>
public sealed class UnappliableRecordTests : IAsyncDisposable
{
    private InProcessMilvusCluster? _cluster;

    [Fact]
    public async Task FlushAsync_WhenTheLogHoldsARecordThatCannotBeApplied_SkipsItAndKeepsEveryOtherRow()
    {
        var ct = TestContext.Current.CancellationToken;
        var (info, wal) = await StartWithUnappliableRecordAsync(recoveryErrorIgnore: true, ct);

        await _cluster!.Client.FlushAsync("applied", ct).WaitAsync(TimeSpan.FromSeconds(30), ct);

        var history = await HistoryContents.ReadAsync(_cluster.History, info, ct);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), history.LiveKeys);
        Assert.True((await wal.GetStateAsync()).Term > 0);
    }

    [Fact]
    public async Task FlushAsync_WhenTheLogHoldsARecordThatCannotBeAppliedAndErrorsAreNotIgnored_StopsThePChannel()
    {
        var ct = TestContext.Current.CancellationToken;
        await StartWithUnappliableRecordAsync(recoveryErrorIgnore: false, ct);

        var error = await Assert.ThrowsAsync<MilvusException>(() => _cluster!.Client.FlushAsync("applied", ct).WaitAsync(TimeSpan.FromSeconds(30), ct));

        Assert.Equal(ErrorCode.RecoveryFailed, error.Code);
        Assert.Contains("(Insert) cannot be applied (", error.Message, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    /// <summary>Rows 0..9, the bad record, rows 10..19, all in one pchannel's log.</summary>
    private async Task<(CollectionInfo Info, IWalGrain Wal)> StartWithUnappliableRecordAsync(bool recoveryErrorIgnore, CancellationToken ct)
    {
        _cluster = await InProcessMilvusCluster.StartAsync(1, new Dictionary<string, string?> { ["Milvus:Wal:RecoveryErrorIgnore"] = recoveryErrorIgnore.ToString() }, cancellationToken: ct);
        var info = await _cluster.Client.CreateCollectionAsync(TestRows.Schema("applied", shards: 1), ct);
        await _cluster.Client.InsertAsync("applied", TestRows.Rows(0, 10), cancellationToken: ct);
        var wal = _cluster.SiloGrains.GetGrain<IWalGrain>(Channels.ChannelNames.PChannelOf(info.VChannels[0]));
        await wal.AppendAsync([new WalMessage(MessageKind.Insert, info.VChannels[0], info.Id, "_default")]);
        await _cluster.Client.InsertAsync("applied", TestRows.Rows(10, 10), cancellationToken: ct);
        return (info, wal);
    }
}
