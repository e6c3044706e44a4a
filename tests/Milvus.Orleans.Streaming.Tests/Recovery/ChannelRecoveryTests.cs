using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Milvus.Orleans.History.Checkpoints;
using Milvus.Orleans.Streaming.Buffers;
using Milvus.Orleans.Streaming.Configuration;
using Milvus.Orleans.Streaming.Recovery;
using Milvus.Orleans.Streaming.Wal;
using Milvus.Orleans.Wal;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Streaming.Tests.Recovery;

public sealed class ChannelRecoveryTests
{
    [Fact]
    public async Task DisposeAsync_WhileTheReplayWaitsForTheLog_FailsTheWaitWithChannelNotReady()
    {
        using var budget = new BufferBudget(Options.Create(new WalOptions()), TimeProvider.System);
        using var meters = new TestMeterFactory();
        var running = new RunningRecoveries(meters);
        var services = new RecoveryServices(
            new SilentLog(), null!, null!, new NoCheckpoint(), new SealPolicy(new SegmentOptions()), budget, running, new OpenLogs(),
            WalEnabled: true, RecoveryErrorIgnore: true, null!, TimeProvider.System, NullLogger.Instance);
        var recovery = new ChannelRecovery("mo-rootcoord-dml_0", term: 3, durableEnd: 1_000, services);

        await recovery.DisposeAsync();

        var error = await Assert.ThrowsAsync<MilvusException>(() => recovery.Replayed.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(ErrorCode.ChannelNotReady, error.Code);
        Assert.Equal("pchannel 'mo-rootcoord-dml_0' stopped recovering in term 3; retry.", error.Message);
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }

    /// <summary>A log that holds records up to 1,000 but is slow to give the first: reads wait until cancelled.</summary>
    private sealed class SilentLog : IWalStorage
    {
        public ValueTask<IWalWriter> OpenWriterAsync(string log, long term, CancellationToken cancellationToken) => throw new NotSupportedException();

        public async IAsyncEnumerable<WalRecord> ReadAsync(string log, WalPosition from, bool follow, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            yield break;
        }
    }

    private sealed class NoCheckpoint : ICheckpointStore
    {
        public Task<PChannelCheckpoint?> ReadAsync(string pchannel, CancellationToken cancellationToken) => Task.FromResult<PChannelCheckpoint?>(null);

        public Task WriteAsync(PChannelCheckpoint checkpoint, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
