using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Streaming.Wal;
using Milvus.Orleans.Wal.Storage;
using Orleans.Streams;

namespace Milvus.Orleans.Streaming.Streams;

/// <summary>
/// Reads one pchannel's log for the pulling agent, following it across owners (every silo can read every log), and
/// hands over what each vchannel's consumers may see. It starts where it last handed over, by a checkpoint kept in
/// grain storage, or at the start of the log the first time. Consumers do not depend on it for their own position:
/// a cursor older than the cache reads the log itself.
/// </summary>
internal sealed partial class WalQueueReceiver(
    PChannelReading reading,
    IWalStorage storage,
    MessageCodec codec,
    IStreamQueueCheckpointerFactory checkpoints,
    TimeProvider time,
    ILogger logger) : IQueueAdapterReceiver, IDisposable
{
    private const int ReadAhead = 64;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);
    private readonly Channel<ReceivedBatch> _received = Channel.CreateBounded<ReceivedBatch>(new BoundedChannelOptions(ReadAhead) { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private IStreamQueueCheckpointer<string>? _checkpoint;
    private Task _reading = Task.CompletedTask;

    public Task Initialize(TimeSpan timeout) => Initialize(timeout, CancellationToken.None);

    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount) => GetQueueMessagesAsync(maxCount, CancellationToken.None);

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => Task.CompletedTask;

    public Task Shutdown(TimeSpan timeout) => Shutdown(timeout, CancellationToken.None);

    public Task Initialize(TimeSpan timeout, CancellationToken cancellationToken)
    {
        // The checkpoint is loaded by the reading loop, retried until it answers: a failed Initialize would leave the
        // agent with a receiver that never reads.
        _reading = Task.Run(ReadAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken)
    {
        var batch = new List<IBatchContainer>();
        while (batch.Count < maxCount && reading.TryTakeWake(out var wake))
        {
            batch.Add(wake);
        }

        ReceivedBatch? last = null;
        while (batch.Count < maxCount && _received.Reader.TryRead(out var received))
        {
            batch.Add(received);
            last = received;
        }

        if (last is not null)
        {
            // Where the next receiver of this queue starts reading; cursors of consumers keep their own positions.
            _checkpoint?.Update(last.Resume.ToString(CultureInfo.InvariantCulture), time.GetUtcNow().UtcDateTime, cancellationToken);
        }

        return Task.FromResult<IList<IBatchContainer>>(batch);
    }

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task Shutdown(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_checkpoint is not null)
        {
            await _checkpoint.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _stop.Dispose();

    private async Task ReadAsync()
    {
        var stop = _stop.Token;
        long? from = null;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                from ??= await LoadCheckpointAsync(stop).ConfigureAwait(false);
                var filter = new PChannelMessageFilter();
                await foreach (var record in storage.ReadAsync(reading.PChannel, new WalPosition(from.Value), follow: true, stop).ConfigureAwait(false))
                {
                    var message = codec.Decode(record);
                    var passed = filter.Accept(message);
                    var resume = filter.ResumeAt(message.Next);
                    foreach (var visible in passed)
                    {
                        await _received.Writer.WriteAsync(new ReceivedBatch(new VChannelBatch(VChannelStreams.Of(visible.Message.VChannel), visible), resume), stop).ConfigureAwait(false);
                    }

                    // Restart here after a failure: it re-reads every transaction still open, and the cache keeps
                    // each message once.
                    from = resume;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogReadFailed(logger, reading.PChannel, from ?? -1, ex);
                await Task.Delay(RetryDelay, time, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task<long> LoadCheckpointAsync(CancellationToken cancellationToken)
    {
        var checkpoint = await checkpoints.Create(reading.PChannel, cancellationToken).ConfigureAwait(false);
        var saved = checkpoint.CheckpointExists ? await checkpoint.Load(cancellationToken).ConfigureAwait(false) : null;
        var start = long.TryParse(saved, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
        reading.Start = start;
        _checkpoint = checkpoint;
        LogStarted(logger, reading.PChannel, start);
        return start;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream receiver of {PChannel} reads from {Start}")]
    private static partial void LogStarted(ILogger logger, string pchannel, long start);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream receiver of {PChannel} failed reading at {Position}; retrying")]
    private static partial void LogReadFailed(ILogger logger, string pchannel, long position, Exception exception);
}
