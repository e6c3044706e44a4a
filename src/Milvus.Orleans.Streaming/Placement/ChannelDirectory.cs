using Microsoft.Extensions.Logging;
using Milvus.Orleans.Grains;

namespace Milvus.Orleans.Streaming.Placement;

/// <summary>
/// The silo's copy of the coordinator's topology, kept fresh by watching it, so placement and ownership checks
/// cost no call. Grains that must be sure (a WAL owner opening its log) refresh it first. When a pchannel is bound
/// to this silo, its WAL grain is woken at once: it takes the log (fencing the old owner) and ticks before the
/// first write arrives, so a move costs writers as little as possible; when one moves away from this silo, its WAL
/// grain here is released at once instead of at its next append (storage fences it either way). Both calls come
/// from the silo, not from a grain, so the coordinator never calls the WAL grains that call it.
/// </summary>
internal sealed partial class ChannelDirectory(IGrainFactory grains, ILocalSiloDetails silo, TimeProvider time, ILogger<ChannelDirectory> logger)
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

    /// <summary>Raised, on any thread, with each newer topology this silo learns of.</summary>
    public event Action<ChannelTopology>? Changed;

    /// <summary>The newest topology seen, or null before the first.</summary>
    public ChannelTopology? Current => Volatile.Read(ref _topology);

    /// <summary>The binding of <paramref name="pchannel"/> from the coordinator, or from this silo's copy if it cannot answer.</summary>
    public async ValueTask<ChannelBinding?> GetFreshBindingAsync(string pchannel)
    {
        try
        {
            return (await RefreshAsync().ConfigureAwait(false)).Binding(pchannel);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException && Current is not null)
        {
            LogRefreshFailed(logger, ex);
            return Current.Binding(pchannel);
        }
    }

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
                OpenBoundHere(current, topology);
                ReleaseMovedAway(current, topology);
                Changed?.Invoke(topology);
                return topology;
            }
        }
    }

    private void OpenBoundHere(ChannelTopology? before, ChannelTopology after)
    {
        foreach (var binding in after.Channels.Where(c => c.Silo == silo.SiloAddress && before?.Binding(c.PChannel) != c))
        {
            AsSilo(() => OpenAsync(binding));
        }
    }

    private void ReleaseMovedAway(ChannelTopology? before, ChannelTopology after)
    {
        foreach (var binding in after.Channels.Where(c => c.Silo != silo.SiloAddress && before?.Binding(c.PChannel)?.Silo == silo.SiloAddress))
        {
            AsSilo(() => ReleaseAsync(binding));
        }
    }

    /// <summary>Runs <paramref name="call"/> off the caller's grain context: the silo's call, whichever grain refreshed the topology.</summary>
    private static void AsSilo(Func<Task> call) => _ = Task.Run(call, CancellationToken.None);

    private async Task ReleaseAsync(ChannelBinding binding)
    {
        try
        {
            await grains.GetGrain<IWalGrain>(binding.PChannel).ReleaseAsync(binding.Term).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Its next append finds the log fenced instead.
            LogReleaseFailed(logger, binding.PChannel, binding.Term, ex);
        }
    }

    private async Task OpenAsync(ChannelBinding binding)
    {
        try
        {
            await grains.GetGrain<IWalGrain>(binding.PChannel).GetStateAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The next write opens it instead; a newer topology may already have moved it on.
            LogOpenFailed(logger, binding.PChannel, binding.Term, ex);
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
            catch (Exception ex)
            {
                // Whatever went wrong, keep watching: placement and ownership checks depend on this copy.
                LogWatchFailed(logger, ex);
                await Task.Delay(RetryDelay, time, _stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The coordinator did not answer; placing by this silo's copy of the topology")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "pchannel {PChannel} (term {Term}) bound here did not open yet")]
    private static partial void LogOpenFailed(ILogger logger, string pchannel, long term, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "pchannel {PChannel} moved away to term {Term}; releasing it here failed")]
    private static partial void LogReleaseFailed(ILogger logger, string pchannel, long term, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Watching the channel topology failed; retrying")]
    private static partial void LogWatchFailed(ILogger logger, Exception exception);
}
