using Microsoft.Extensions.Logging;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Streaming.Placement;
using Orleans.Streams;

namespace Milvus.Orleans.Streaming.Streams;

/// <summary>
/// Runs each pchannel's pulling agent on the silo that owns the pchannel, so its receiver reads the log from that
/// silo's write-ahead buffer, and moves it with the pchannel (the coordinator's topology decides, as for placement).
/// </summary>
internal sealed partial class PChannelOwnerQueueBalancer(ChannelDirectory directory, ILocalSiloDetails silo, ILogger<PChannelOwnerQueueBalancer> logger)
    : IStreamQueueBalancer
{
    private readonly Lock _lock = new();
    private readonly List<IStreamQueueBalanceListener> _listeners = [];
    private IStreamQueueMapper? _mapper;
    private QueueId[] _mine = [];

    public Task Initialize(IStreamQueueMapper queueMapper)
    {
        _mapper = queueMapper;
        directory.Changed += OnTopologyChanged;
        if (directory.Current is { } topology)
        {
            OnTopologyChanged(topology);
        }

        return Task.CompletedTask;
    }

    public Task Shutdown()
    {
        directory.Changed -= OnTopologyChanged;
        return Task.CompletedTask;
    }

    public IEnumerable<QueueId> GetMyQueues() => Volatile.Read(ref _mine);

    public bool SubscribeToQueueDistributionChangeEvents(IStreamQueueBalanceListener observer)
    {
        lock (_lock)
        {
            _listeners.Add(observer);
        }

        return true;
    }

    public bool UnSubscribeFromQueueDistributionChangeEvents(IStreamQueueBalanceListener observer)
    {
        lock (_lock)
        {
            return _listeners.Remove(observer);
        }
    }

    private void OnTopologyChanged(ChannelTopology topology)
    {
        IStreamQueueBalanceListener[] listeners;
        lock (_lock)
        {
            var mine = _mapper!.GetAllQueues()
                .Where(queue => topology.Binding(PChannelQueueMapper.PChannelOf(queue))?.Silo == silo.SiloAddress)
                .ToArray();
            if (mine.SequenceEqual(_mine))
            {
                return;
            }

            _mine = mine;
            listeners = [.. _listeners];
        }

        _ = NotifyAsync(listeners, topology.Version);
    }

    private async Task NotifyAsync(IStreamQueueBalanceListener[] listeners, long version)
    {
        try
        {
            await Task.WhenAll(listeners.Select(l => l.QueueDistributionChangeNotification())).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The pulling manager asks for the queues again at its next change; log and carry on.
            LogNotifyFailed(logger, version, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telling the stream pulling manager about topology {Version} failed")]
    private static partial void LogNotifyFailed(ILogger logger, long version, Exception exception);
}
