using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Milvus.Orleans.Client;

namespace Milvus.Orleans.Streaming.Tests;

public sealed class ClusterChangesTests
{
    [Fact]
    public void NotifyClusterConnectionLost_CancelsTheTokenHandedOutAndNotTheNextOne()
    {
        using var changes = new ClusterChanges(new ServiceCollection().BuildServiceProvider(), new FakeTimeProvider());
        var before = changes.Next;

        changes.NotifyClusterConnectionLost();

        Assert.Equal((true, false), (before.IsCancellationRequested, changes.Next.IsCancellationRequested));
    }

    [Fact]
    public void NotifyGatewayCountChanged_WhenTheClientIsDisposed_IsIgnored()
    {
        var changes = new ClusterChanges(new ServiceCollection().BuildServiceProvider(), new FakeTimeProvider());
        var before = changes.Next;
        changes.Dispose();

        // Orleans may still report a lost gateway while the client shuts down.
        changes.NotifyGatewayCountChanged(1, 2, connectionRecovered: false);

        Assert.False(before.IsCancellationRequested);
    }
}
