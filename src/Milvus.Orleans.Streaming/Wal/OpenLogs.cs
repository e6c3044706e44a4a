using System.Collections.Concurrent;

namespace Milvus.Orleans.Streaming.Wal;

/// <summary>
/// The logs open on this silo, by pchannel. A pchannel's recovery runs on the silo of its log and reaches the log
/// here (its term, where it ends, truncation), so grain calls go one way: the WAL grain starts and stops recovery,
/// and recovery never calls the WAL grain back.
/// </summary>
internal sealed class OpenLogs
{
    private readonly ConcurrentDictionary<string, ChannelAppender> _open = new(StringComparer.Ordinal);

    /// <summary>Registers <paramref name="log"/>, in place of an older term's log of its pchannel.</summary>
    public void Add(ChannelAppender log) => _open[log.PChannel] = log;

    /// <summary>Unregisters <paramref name="log"/>, unless a newer one of its pchannel already took its place.</summary>
    public void Remove(ChannelAppender log) => _open.TryRemove(KeyValuePair.Create(log.PChannel, log));

    /// <summary>The log of <paramref name="pchannel"/> open here, if any.</summary>
    public ChannelAppender? Find(string pchannel) => _open.GetValueOrDefault(pchannel);
}
