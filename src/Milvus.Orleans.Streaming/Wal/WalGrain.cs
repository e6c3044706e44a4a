using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Streaming.Buffers;
using Milvus.Orleans.Streaming.Configuration;
using Milvus.Orleans.Streaming.Placement;
using Milvus.Orleans.Streaming.Tso;
using Milvus.Orleans.Wal.Storage;
using Orleans.Concurrency;

namespace Milvus.Orleans.Streaming.Wal;

/// <summary>
/// One pchannel's log on its bound silo. Reentrant: appends from many callers meet in the
/// <see cref="ChannelAppender"/>'s queue and share one durable flush. The log is opened on the first append, with
/// the term the coordinator gave, after checking with the coordinator that this silo is the owner.
/// </summary>
[ChannelPlacement]
[Reentrant]
internal sealed partial class WalGrain(
    ChannelDirectory directory,
    IWalStorage storage,
    TimestampCache tso,
    BufferBudget budget,
    MessageCodec codec,
    OpenLogs openLogs,
    ILocalSiloDetails silo,
    IOptions<StreamingOptions> options,
    TimeProvider time,
    ILogger<WalGrain> logger) : Grain, IWalGrain
{
    private Task<ChannelAppender>? _opening;

    private string PChannel => this.GetPrimaryKeyString();

    private IRecoveryGrain Recovery => GrainFactory.GetGrain<IRecoveryGrain>(PChannel);

    public async Task<IReadOnlyList<AppendResult>> AppendAsync(IReadOnlyList<WalMessage> messages)
    {
        if (messages is null || messages.Count == 0)
        {
            throw new MilvusException(ErrorCode.EmptyBatch, $"pchannel '{PChannel}': nothing to append.");
        }

        if (messages.Count > ITsoGrain.MaxBatch)
        {
            throw new MilvusException(ErrorCode.MessageTooLarge, $"pchannel '{PChannel}': {messages.Count} messages in one append; at most {ITsoGrain.MaxBatch}.");
        }

        var appender = await OpenAsync().ConfigureAwait(true);
        try
        {
            return await appender.AppendAsync(messages).ConfigureAwait(true);
        }
        catch (MilvusException ex) when (ex.Code is ErrorCode.Fenced or ErrorCode.ChannelNotReady)
        {
            DeactivateOnIdle();
            throw;
        }
    }

    public async Task ReleaseAsync(long term)
    {
        if (_opening is { IsCompletedSuccessfully: true } opened && opened.Result.Term < term)
        {
            LogReleased(logger, PChannel, opened.Result.Term, term);
            this.MigrateOnIdle();
        }

        await Recovery.ReleaseAsync(term).ConfigureAwait(true);
    }

    public async Task<WalChannelState> GetStateAsync()
    {
        var appender = await OpenAsync().ConfigureAwait(true);
        return new WalChannelState(appender.Term, appender.LastConfirmedId, appender.DurableEnd, appender.LastTimeTick, silo.SiloAddress);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_opening is { IsCompletedSuccessfully: true } opened)
        {
            openLogs.Remove(opened.Result);
            await opened.Result.DisposeAsync().ConfigureAwait(true);
        }
    }

    private Task<ChannelAppender> OpenAsync()
    {
        if (_opening is null || _opening.IsFaulted || _opening.IsCanceled)
        {
            _opening = OpenLogAsync();
        }

        return _opening;
    }

    private async Task<ChannelAppender> OpenLogAsync()
    {
        var topology = await directory.RefreshAsync().ConfigureAwait(true);
        var binding = topology.Binding(PChannel)
            ?? throw new MilvusException(ErrorCode.InvalidName, $"'{PChannel}' is not a pchannel of this cluster.");
        if (binding.Silo != silo.SiloAddress)
        {
            LogNotOwner(logger, PChannel, binding.Silo, binding.Term, silo.SiloAddress);
            // Migrating (not just deactivating) re-places the grain through the channel placement director and
            // updates the directory; callers with this address cached would otherwise recreate it right here.
            this.MigrateOnIdle();
            throw new MilvusException(
                ErrorCode.ChannelNotReady,
                $"pchannel '{PChannel}' is bound to silo {binding.Silo?.ToString() ?? "(none)"} in term {binding.Term}, not to {silo.SiloAddress}; retry.");
        }

        IWalWriter writer;
        try
        {
            writer = await storage.OpenWriterAsync(PChannel, binding.Term, CancellationToken.None).ConfigureAwait(true);
        }
        catch (WalFencedException ex)
        {
            DeactivateOnIdle();
            await GrainFactory.GetGrain<IStreamingCoordinatorGrain>(0).ReportFencedAsync(PChannel, ex.CurrentTerm).ConfigureAwait(true);
            throw new MilvusException(ErrorCode.WrongTerm, $"pchannel '{PChannel}': {ex.Message} The coordinator moves past it; retry.");
        }
        catch (IOException ex)
        {
            // A full disk or a failing device: the next call tries to open the log again.
            throw new MilvusException(ErrorCode.ChannelNotReady, $"pchannel '{PChannel}': its log's storage cannot be opened ({ex.Message}); retry.", ex);
        }

        // A fresh timestamp from the oracle, taken after the older owner was fenced: above all it ever wrote. Then
        // the log is taken again from its checkpoint into memory before it takes a write.
        TimestampRange floor;
        try
        {
            floor = await GrainFactory.GetGrain<ITsoGrain>(0).AllocateAsync(1).ConfigureAwait(true);
            await Recovery.StartAsync(binding.Term, writer.DurableEnd.Value).ConfigureAwait(true);
        }
        catch
        {
            await writer.DisposeAsync().ConfigureAwait(true);
            throw;
        }

        LogOpened(logger, PChannel, binding.Term, writer.DurableEnd.Value);
        var appender = new ChannelAppender(writer, tso, budget, codec, floor.First, TimeSpan.FromMilliseconds(options.Value.TimeTickMs), time, logger);
        openLogs.Add(appender);
        return appender;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "pchannel {PChannel} opened in term {Term} at {DurableEnd}")]
    private static partial void LogOpened(ILogger logger, string pchannel, long term, long durableEnd);

    [LoggerMessage(Level = LogLevel.Debug, Message = "pchannel {PChannel} is bound to {Owner} (term {Term}), not to {Here}; migrating")]
    private static partial void LogNotOwner(ILogger logger, string pchannel, SiloAddress? owner, long term, SiloAddress here);

    [LoggerMessage(Level = LogLevel.Information, Message = "pchannel {PChannel} (term {Term}) released to term {NewTerm}")]
    private static partial void LogReleased(ILogger logger, string pchannel, long term, long newTerm);
}
