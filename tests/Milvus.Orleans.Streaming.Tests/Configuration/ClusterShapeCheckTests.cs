using System.Reflection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Streaming.Configuration;
using Milvus.Orleans.Streaming.Placement;

namespace Milvus.Orleans.Streaming.Tests.Configuration;

/// <summary>A silo joining while the coordinator's silo dies waits for the coordinator instead of failing to start.</summary>
public sealed class ClusterShapeCheckTests
{
    private static readonly ChannelTopology EightChannels =
        new(1, [.. Enumerable.Range(0, 8).Select(i => new ChannelBinding(Channels.ChannelNames.PChannel(i), null, 1))]);

    [Fact]
    public async Task CheckAsync_WhenTheCoordinatorsSiloIsGone_AsksAgainUntilTheCoordinatorAnswers()
    {
        var calls = 0;
        var check = Check(() => ++calls <= 2
            ? Task.FromException<ChannelTopology>(new SiloUnavailableException("The target silo became unavailable."))
            : Task.FromResult(EightChannels), out var time);

        await Pump(check.CheckAsync(TestContext.Current.CancellationToken), time);

        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task CheckAsync_WhenAnAnswerIsLostWithItsSilo_AsksAgainAfterTheAttemptTimeout()
    {
        var calls = 0;
        var check = Check(() => ++calls == 1 ? new TaskCompletionSource<ChannelTopology>().Task : Task.FromResult(EightChannels), out var time);

        await Pump(check.CheckAsync(TestContext.Current.CancellationToken), time);

        Assert.Equal(2, calls);
        Assert.InRange(time.GetUtcNow() - FakeStart, ClusterShapeCheck.AttemptTimeout, ClusterShapeCheck.AttemptTimeout + TimeSpan.FromSeconds(1));
    }

    private static readonly DateTimeOffset FakeStart = new(2026, 12, 2, 0, 0, 0, TimeSpan.Zero);

    private static ClusterShapeCheck Check(Func<Task<ChannelTopology>> getTopology, out FakeTimeProvider time)
    {
        time = new FakeTimeProvider(FakeStart);
        var coordinator = Fake<IStreamingCoordinatorGrain>(method =>
            method.Name == nameof(IStreamingCoordinatorGrain.GetTopologyAsync) ? getTopology() : throw new NotSupportedException(method.Name));
        var grains = Fake<IGrainFactory>(method =>
            method.Name == nameof(IGrainFactory.GetGrain) && method.ReturnType == typeof(IStreamingCoordinatorGrain) ? coordinator : throw new NotSupportedException(method.Name));
        return new ClusterShapeCheck(grains, Options.Create(new StreamingOptions { PChannels = 8 }), time);
    }

    /// <summary>Moves the fake clock on until <paramref name="task"/> ends: the retries wait on it.</summary>
    private static async Task Pump(Task task, FakeTimeProvider time)
    {
        for (var i = 0; i < 1000 && !task.IsCompleted; i++)
        {
            await Task.Delay(1, TestContext.Current.CancellationToken);
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        await task;
    }

    /// <summary>A <typeparamref name="T"/> whose every call goes to <paramref name="handler"/>.</summary>
    private static T Fake<T>(Func<MethodInfo, object?> handler)
        where T : class
    {
        var proxy = DispatchProxy.Create<T, CallProxy>();
        ((CallProxy)(object)proxy).Handler = handler;
        return proxy;
    }

    public class CallProxy : DispatchProxy
    {
        internal Func<MethodInfo, object?> Handler { get; set; } = null!;

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => Handler(targetMethod!);
    }
}
