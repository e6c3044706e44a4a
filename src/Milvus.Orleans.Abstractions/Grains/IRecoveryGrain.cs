namespace Milvus.Orleans.Grains;

/// <summary>
/// How far one vchannel is on its way into history: the LSN points of the Milvus 0.7 WAL, as timestamps.
/// </summary>
/// <param name="LastWrite">① The last data message written to it.</param>
/// <param name="Applied">② The last message its pchannel's recovery grain has taken into memory.</param>
/// <param name="Persisted">③ The timestamp through which history holds all of it.</param>
[GenerateSerializer, Immutable]
public sealed record VChannelProgress(
    [property: Id(0)] HybridTimestamp LastWrite,
    [property: Id(1)] HybridTimestamp Applied,
    [property: Id(2)] HybridTimestamp Persisted)
{
    /// <summary>Whether history holds every write: ③ ≥ ①.</summary>
    public bool IsFlushed => Persisted >= LastWrite;
}

/// <summary>
/// The recovery grain of one pchannel (key: pchannel name), beside its <see cref="IWalGrain"/>: reads the log into
/// growing segments, writes sealed ones to history, checkpoints, truncates the log, and on a new owner rebuilds all
/// of that from the checkpoint before the log takes writes. Not for clients.
/// </summary>
public interface IRecoveryGrain : IGrainWithStringKey
{
    /// <summary>
    /// The log was opened in <paramref name="term"/> with its durable end at <paramref name="durableEnd"/>: returns
    /// once everything before that end was taken again from the checkpoint on (at once if this activation already
    /// reads the log in that term).
    /// </summary>
    Task StartAsync(long term, long durableEnd);

    /// <summary>The pchannel moved to <paramref name="term"/>: an older reader stops.</summary>
    Task ReleaseAsync(long term);

    /// <summary>Returns, once history holds everything of <paramref name="vchannel"/> before its flush message at
    /// <paramref name="flushId"/>, the ids of the segments that flush sealed.</summary>
    Task<long[]> WaitFlushedAsync(string vchannel, long flushId);

    /// <summary>
    /// How far <paramref name="vchannel"/> is: ① the last data message taken from the log, ② the last message
    /// taken, ③ the timestamp through which history holds it.
    /// </summary>
    Task<VChannelProgress> GetProgressAsync(string vchannel);
}
