using System.Collections.Concurrent;

namespace Milvus.Orleans.Streaming.Streams;

/// <summary>What the receiver and the cache of one pchannel's queue share: where the receiver began, and wake-ups.</summary>
internal sealed class PChannelReading(string pchannel)
{
    private readonly ConcurrentQueue<WakeBatch> _wakes = new();

    public string PChannel { get; } = pchannel;

    /// <summary>Where the receiver began reading: everything it hands over lies at or after this id.</summary>
    public long Start { get; set; }

    /// <summary>Asks for a stream's idle cursors to run again; called from any thread.</summary>
    public void Wake(WakeBatch wake) => _wakes.Enqueue(wake);

    public bool TryTakeWake(out WakeBatch wake) => _wakes.TryDequeue(out wake!);
}
