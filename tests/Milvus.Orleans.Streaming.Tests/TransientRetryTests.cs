using Microsoft.Extensions.Time.Testing;

namespace Milvus.Orleans.Streaming.Tests;

public sealed class TransientRetryTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task RunAsync_WhenAnIdempotentAttemptNeverAnswers_SendsItAgainAfterTheAttemptTimeout()
    {
        var attempts = 0;
        var lost = new TaskCompletionSource<int>();

        var running = TransientRetry.RunAsync(
            () => ++attempts == 1 ? lost.Task : Task.FromResult(attempts),
            TimeSpan.FromSeconds(30),
            _clock,
            TestContext.Current.CancellationToken,
            attemptTimeout: TimeSpan.FromSeconds(1));
        await AdvanceUntilAsync(running, TimeSpan.FromMilliseconds(100));

        Assert.Equal(2, await running.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task RunAsync_WithoutAnAttemptTimeout_DoesNotRetryATimeout()
    {
        var attempts = 0;

        var error = await Assert.ThrowsAsync<TimeoutException>(() => TransientRetry.RunAsync<int>(
            () =>
            {
                attempts++;
                throw new TimeoutException("the response did not arrive");
            },
            TimeSpan.FromSeconds(30),
            _clock,
            TestContext.Current.CancellationToken));

        Assert.Equal(1, attempts);
        Assert.Equal("the response did not arrive", error.Message);
    }

    [Fact]
    public async Task RunAsync_WhenTransientFailuresOutlastTheDeadline_ThrowsTheLastOne()
    {
        var attempts = 0;

        var running = TransientRetry.RunAsync<int>(
            () => throw new MilvusException(ErrorCode.ChannelNotReady, $"attempt {++attempts}"),
            TimeSpan.FromSeconds(2),
            _clock,
            TestContext.Current.CancellationToken);
        await AdvanceUntilAsync(running, TimeSpan.FromMilliseconds(50));

        var error = await Assert.ThrowsAsync<MilvusException>(() => running);
        Assert.Equal(ErrorCode.ChannelNotReady, error.Code);
        Assert.Equal($"attempt {attempts}", error.Message);
        // Backoff from 20 ms doubling to 500 ms, jittered to 50..100 %: 8 to 13 attempts fit in 2 s.
        Assert.InRange(attempts, 6, 15);
    }

    private async Task AdvanceUntilAsync(Task task, TimeSpan step)
    {
        for (var i = 0; i < 10_000 && !task.IsCompleted; i++)
        {
            _clock.Advance(step);
            await Task.Yield();
        }
    }
}
