using Microsoft.Extensions.DependencyInjection;
using Orleans.Messaging;

namespace Milvus.Orleans.Client;

/// <summary>
/// Tells the SDK at once when a silo goes: the client lost a gateway connection (a killed silo closes its sockets), or
/// a silo left the membership's list of gateways (polled every <see cref="PollInterval"/>). A request lost with that
/// silo would otherwise be waited for until an attempt times out; the SDK abandons its attempts in flight on the signal
/// and sends them again (they carry request ids, or only read).
/// </summary>
public sealed class ClusterChanges : IClusterConnectionStatusObserver, IDisposable
{
    /// <summary>How often the list of gateways is read (from the membership table, not from a silo).</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private CancellationTokenSource _next = new();
    private ITimer? _poll;
    private HashSet<Uri>? _gateways;
    private int _polling;
    private bool _disposed;

    public ClusterChanges(IServiceProvider services, TimeProvider? timeProvider = null)
    {
        _services = services;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Cancelled at the next change of the cluster's silos.</summary>
    public CancellationToken Next
    {
        get
        {
            lock (_gate)
            {
                _poll ??= _time.CreateTimer(_ => _ = PollAsync(), null, TimeSpan.Zero, PollInterval);
                return _next.Token;
            }
        }
    }

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        if (currentNumberOfGateways < previousNumberOfGateways)
        {
            Changed();
        }
    }

    public void NotifyClusterConnectionLost() => Changed();

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _poll?.Dispose();
            _next.Dispose();
        }
    }

    private void Changed()
    {
        CancellationTokenSource changed;
        lock (_gate)
        {
            // Orleans still reports lost gateways while the client shuts down.
            if (_disposed)
            {
                return;
            }

            (changed, _next) = (_next, new CancellationTokenSource());
        }

        changed.Cancel();
        changed.Dispose();
    }

    private async Task PollAsync()
    {
        if (_services.GetService<IGatewayListProvider>() is not { } provider || Interlocked.Exchange(ref _polling, 1) == 1)
        {
            return;
        }

        try
        {
            var gateways = (await provider.GetGatewaysAsync(CancellationToken.None).ConfigureAwait(false)).ToHashSet();
            var gone = _gateways is not null && !_gateways.IsSubsetOf(gateways);
            _gateways = gateways;
            if (gone)
            {
                Changed();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The membership table is briefly unreachable: the next poll reads it again.
        }
        finally
        {
            Volatile.Write(ref _polling, 0);
        }
    }
}
