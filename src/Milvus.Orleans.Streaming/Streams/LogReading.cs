using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Streaming.Wal;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Streaming.Streams;

/// <summary>
/// One cursor's own reading of its vchannel from the log, for positions the cache no longer (or never) held. It
/// reads ahead into a small buffer in the background; when the cursor found the buffer empty and went idle, the
/// next message read wakes it.
/// </summary>
internal sealed partial class LogReading : IDisposable
{
    private const int BufferedMessages = 16;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);
    private readonly Channel<LoggedMessage> _buffer = Channel.CreateBounded<LoggedMessage>(new BoundedChannelOptions(BufferedMessages) { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Action<LoggedMessage> _wake;
    private readonly Task _running;
    private int _idle;

    public LogReading(string pchannel, string vchannel, long resume, MessagePosition from, IWalStorage storage, MessageCodec codec, TimeProvider time, ILogger logger, Action<LoggedMessage> wake)
    {
        _wake = wake;
        _running = Task.Run(() => RunAsync(pchannel, vchannel, resume, from, storage, codec, time, logger), CancellationToken.None);
    }

    /// <summary>The next message, if one was read.</summary>
    public bool TryRead(out LoggedMessage message) => _buffer.Reader.TryRead(out message!);

    /// <summary>The cursor found nothing and goes idle: wake it with the next message read.</summary>
    public bool TryReadOrIdle(out LoggedMessage message)
    {
        Volatile.Write(ref _idle, 1);
        // A message written between the caller's read and the flag would wake no one: look once more.
        if (TryRead(out message))
        {
            Volatile.Write(ref _idle, 0);
            return true;
        }

        return false;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _running.ContinueWith(_ => _stop.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task RunAsync(string pchannel, string vchannel, long resume, MessagePosition from, IWalStorage storage, MessageCodec codec, TimeProvider time, ILogger logger)
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var filter = new VChannelMessageFilter(vchannel, VChannelMessageFilter.DefaultKeepAlive, RequestDeduplicator.DefaultWindow);
                await foreach (var record in storage.ReadAsync(pchannel, new WalPosition(resume), follow: true, stop).ConfigureAwait(false))
                {
                    foreach (var message in filter.Accept(codec.Decode(record)))
                    {
                        if (message.Message.Kind == MessageKind.TimeTick || MessagePosition.Of(message) < from)
                        {
                            continue;
                        }

                        await _buffer.Writer.WriteAsync(message, stop).ConfigureAwait(false);
                        (from, resume) = (MessagePosition.Of(message).Next(), message.Next);
                        if (Interlocked.Exchange(ref _idle, 0) == 1)
                        {
                            _wake(message);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The log may be moving between owners or briefly unreadable: read again from the last message kept.
                LogReadFailed(logger, vchannel, resume, ex);
                await Task.Delay(RetryDelay, time, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading vchannel {VChannel} for a stream cursor failed at {Resume}; retrying")]
    private static partial void LogReadFailed(ILogger logger, string vchannel, long resume, Exception exception);
}
