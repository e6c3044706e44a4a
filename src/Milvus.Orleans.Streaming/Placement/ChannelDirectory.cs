using Microsoft.Extensions.Logging;
using Milvus.Orleans.Grains;

namespace Milvus.Orleans.Streaming.Placement;

/// <summary>
/// The silo's copy of the coordinator's topology, kept fresh by watching it, so placement and ownership checks
/// cost no call. Grains that must be sure (a WAL owner opening its log) refresh it first.
/// </summary>
internal sealed partial class ChannelDirectory(IGrainFactory grains, TimeProvider time, ILogger<ChannelDirectory> logger)
    : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    /// <summary>
    /// How long one watch call waits for a change. Short, because a silo shutting down waits for the requests
    /// running on its activations, the coordinator's watches included.
    /// </summary>
    private static readonly TimeSpan WatchWait = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);

    private readonly CancellationTokenSource _stopping = new();
    private ChannelTopology? _topology;
    private Task _watch = Task.CompletedTask;

    private IStreamingCoordinatorGrain Coordinator => grains.GetGrain<IStreamingCoordinatorGrain>(0);

    /// <summary>The newest topology seen, or null before the first.</summary>
    public ChannelTopology? Current => Volatile.Read(ref _topology);

    /// <summary>The binding of <paramref name="pchannel"/>, fetching the topology if none was seen yet.</summary>
    public async ValueTask<ChannelBinding?> GetBindingAsync(string pchannel) =>
        (Current ?? await RefreshAsync().ConfigureAwait(false)).Binding(pchannel);

    /// <summary>Asks the coordinator for the topology now.</summary>
    public async Task<ChannelTopology> RefreshAsync() => Update(await Coordinator.GetTopologyAsync().ConfigureAwait(false));

    public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe(
        nameof(ChannelDirectory),
        ServiceLifecycleStage.Active,
        _ =>
        {
            _watch = Task.Run(WatchAsync, CancellationToken.None);
            return Task.CompletedTask;
        },
        async _ =>
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            await _watch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        });

    public void Dispose() => _stopping.Dispose();

    private ChannelTopology Update(ChannelTopology topology)
    {
        while (true)
        {
            var current = Current;
            if (current is not null && current.Version >= topology.Version)
            {
                return current;
            }

            if (Interlocked.CompareExchange(ref _topology, topology, current) == current)
            {
                return topology;
            }
        }
    }

    private async Task WatchAsync()
    {
        // Watching also keeps the coordinator active, and re-activates it after its silo dies.
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                Update(await Coordinator.WatchTopologyAsync(Current?.Version ?? -1, WatchWait).WaitAsync(_stopping.Token).ConfigureAwait(false));
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                LogWatchFailed(logger, ex);
                await Task.Delay(RetryDelay, time, _stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Watching the channel topology failed; retrying")]
    private static partial void LogWatchFailed(ILogger logger, Exception exception);
}
