using Milvus.Orleans.Messages;

namespace Milvus.Orleans.Grains;

/// <summary>
/// Reads one vchannel (key: vchannel name) from its pchannel's log for subscribers. It runs beside the pchannel's
/// owner, whose write-ahead buffer serves the tail; every silo can read every log, so it keeps working after a move.
/// </summary>
[ClientFacing]
public interface IVChannelReaderGrain : IGrainWithStringKey
{
    /// <summary>
    /// The vchannel's visible messages and the pchannel's time ticks from id <paramref name="from"/> on, in log
    /// order, following the log (across owners) until cancelled. See <see cref="VChannelMessageFilter"/>.
    /// </summary>
    IAsyncEnumerable<LoggedMessage> ReadAsync(long from, CancellationToken cancellationToken = default);
}
