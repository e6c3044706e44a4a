using Milvus.Orleans.Messages;

namespace Milvus.Orleans.Grains;

/// <summary>
/// Reads one vchannel (key: vchannel name) from its pchannel's log for a subscriber, on whichever silo takes the
/// call: every silo can read every log, and the owner's write-ahead buffer makes tail reads cheap.
/// </summary>
public interface IVChannelReaderGrain : IGrainWithStringKey
{
    /// <summary>
    /// The vchannel's visible messages and the pchannel's time ticks from id <paramref name="from"/> on, in log
    /// order, following the log (across owners) until cancelled. See <see cref="VChannelMessageFilter"/>.
    /// </summary>
    IAsyncEnumerable<LoggedMessage> ReadAsync(long from, CancellationToken cancellationToken = default);
}
