using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Streaming.Buffers;
using Milvus.Orleans.History.Checkpoints;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Streaming.Configuration;
using Milvus.Orleans.Streaming.Placement;
using Milvus.Orleans.Streaming.Wal;
using Milvus.Orleans.Wal;
using Milvus.Orleans.Wal.Storage;
using Orleans.Concurrency;

namespace Milvus.Orleans.Streaming.Recovery;

/// <summary>
/// A pchannel's way into history, on the silo of its <see cref="WalGrain"/>, which starts it in each term it opens
/// the log in and waits for its replay before taking writes. Stays active for as long as the silo owns the pchannel.
/// </summary>
[ChannelPlacement]
[Reentrant]
[SuppressMessage("Reliability", "CA1001", Justification = "A grain's life ends in OnDeactivateAsync, which stops and disposes the recovery.")]
internal sealed partial class RecoveryGrain(
    ChannelDirectory directory,
    IWalStorage storage,
    MessageCodec codec,
    IHistoryStore history,
    ICheckpointStore checkpoints,
    BufferBudget budget,
    RunningRecoveries running,
    OpenLogs openLogs,
    IOptions<SegmentOptions> segmentOptions,
    IOptions<WalOptions> walOptions,
    ILocalSiloDetails silo,
    IHostApplicationLifetime host,
    TimeProvider time,
    ILogger<RecoveryGrain> logger) : Grain, IRecoveryGrain
{
    private ChannelRecovery? _recovery;

    private string PChannel => this.GetPrimaryKeyString();

    public async Task StartAsync(long term, long durableEnd)
    {
        if (_recovery is null || _recovery.Term < term)
        {
            // Another silo's copy answering here would read the log beside its owner: send the owner's call on.
            var binding = await directory.GetFreshBindingAsync(PChannel).ConfigureAwait(true);
            if (binding is null || binding.Silo != silo.SiloAddress || binding.Term != term)
            {
                this.MigrateOnIdle();
                throw new MilvusException(ErrorCode.ChannelNotReady, $"pchannel '{PChannel}': recovery for term {term} is not on silo {silo.SiloAddress}; retry.");
            }

            // Checked again: another call of the same start may have got here while this one waited.
            if (_recovery is null || _recovery.Term < term)
            {
                var older = _recovery;
                LogStarting(logger, PChannel, term);
                _recovery = new ChannelRecovery(PChannel, term, durableEnd, new RecoveryServices(
                    storage, codec, history, checkpoints, new SealPolicy(segmentOptions.Value), budget, running, openLogs, walOptions.Value.Enable, walOptions.Value.RecoveryErrorIgnore, GrainFactory, time, logger));
                DelayDeactivation(Timeout.InfiniteTimeSpan);
                if (older is not null)
                {
                    await older.DisposeAsync().ConfigureAwait(true);
                }
            }
        }

        if (_recovery.Term > term)
        {
            throw new MilvusException(ErrorCode.WrongTerm, $"pchannel '{PChannel}' recovers in term {_recovery.Term}, past {term}; retry.");
        }

        await UntilStoppingAsync(_recovery.Replayed).ConfigureAwait(true);
    }

    public async Task ReleaseAsync(long term)
    {
        if (_recovery is { } recovery && recovery.Term < term)
        {
            _recovery = null;
            await recovery.DisposeAsync().ConfigureAwait(true);
            this.MigrateOnIdle();
        }
    }

    public async Task<long[]> WaitFlushedAsync(string vchannel, long flushId)
    {
        var flushed = (await RunningAsync().ConfigureAwait(true)).WaitFlushedAsync(vchannel, flushId);
        await UntilStoppingAsync(flushed).ConfigureAwait(true);
        return await flushed.ConfigureAwait(true);
    }

    public async Task<VChannelProgress> GetProgressAsync(string vchannel) => (await RunningAsync().ConfigureAwait(true)).Progress(vchannel);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Usually the log's opening activates this grain through StartAsync. Any other first call (a flush after the
        // grain was migrated or collected while the log stayed open) must not leave the open log without recovery.
        this.RegisterGrainTimer(_ => ResumeAsync(), new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { Interleave = true });
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_recovery is { } recovery)
        {
            _recovery = null;
            await recovery.DisposeAsync().ConfigureAwait(true);
        }
    }

    private async Task<ChannelRecovery> RunningAsync()
    {
        await ResumeAsync().ConfigureAwait(true);
        return _recovery
            ?? throw new MilvusException(ErrorCode.ChannelNotReady, $"pchannel '{PChannel}' is not being recovered on silo {silo.SiloAddress} yet; retry.");
    }

    /// <summary>
    /// Starts recovery in the term of the pchannel's log open on this silo, if nothing runs yet. A log that is not
    /// open starts recovery itself when it opens (its WAL grain calls <see cref="StartAsync"/>).
    /// </summary>
    private async Task ResumeAsync()
    {
        if (_recovery is null && openLogs.Find(PChannel) is { } log)
        {
            await StartAsync(log.Term, log.DurableEnd).ConfigureAwait(true);
        }
    }

    /// <summary>
    /// Waits for <paramref name="work"/>, or until the silo starts stopping: a silo deactivates its grains only once
    /// their requests end, and a replay that cannot finish (the cluster going away around it) would hold it for
    /// Orleans' whole deactivation timeout.
    /// </summary>
    private async Task UntilStoppingAsync(Task work)
    {
        try
        {
            await work.WaitAsync(host.ApplicationStopping).ConfigureAwait(true);
        }
        catch (OperationCanceledException) when (host.ApplicationStopping.IsCancellationRequested)
        {
            throw new MilvusException(ErrorCode.ChannelNotReady, $"pchannel '{PChannel}': silo {silo.SiloAddress} is stopping; retry.");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "pchannel {PChannel}: recovery starts in term {Term}")]
    private static partial void LogStarting(ILogger logger, string pchannel, long term);
}
