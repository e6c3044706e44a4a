using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Milvus.Orleans.Grains;

namespace Milvus.Orleans.Streaming.Recovery;

/// <summary>
/// The pchannel recoveries running on this silo: found by pchannel (the query delegators read through them), and
/// reported as the LSN points of every vchannel they hold, as gauges in Unix milliseconds of their timestamps, tagged
/// with pchannel and vchannel: ① <c>milvus.lsn.last_write</c>, ② <c>milvus.lsn.applied</c>,
/// ③ <c>milvus.lsn.persisted</c>, and <c>milvus.lsn.unpersisted</c>, how far ③ lags ① (0 when flushed). The meter
/// comes from the silo's <see cref="IMeterFactory"/>, so each silo's gauges are its own, even with several silos in
/// one process.
/// </summary>
internal sealed class RunningRecoveries
{
    private readonly Meter _meter;
    private readonly ConcurrentDictionary<string, ChannelRecovery> _running = new(StringComparer.Ordinal);

    public RunningRecoveries(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create("Milvus.Orleans");
        _meter.CreateObservableGauge("milvus.lsn.last_write", () => Measure(p => p.LastWrite.PhysicalMs), "ms", "① Last write of the vchannel (Unix ms of its timestamp).");
        _meter.CreateObservableGauge("milvus.lsn.applied", () => Measure(p => p.Applied.PhysicalMs), "ms", "② What recovery took into memory (Unix ms of its timestamp).");
        _meter.CreateObservableGauge("milvus.lsn.persisted", () => Measure(p => p.Persisted.PhysicalMs), "ms", "③ What history holds (Unix ms of its timestamp).");
        _meter.CreateObservableGauge(
            "milvus.lsn.unpersisted",
            () => Measure(p => p.IsFlushed ? 0 : p.LastWrite.PhysicalMs - p.Persisted.PhysicalMs),
            "ms",
            "How far history lags the last write (0 when flushed).");
    }

    /// <summary>Reports <paramref name="recovery"/>'s vchannels, in place of an older term's recovery of its pchannel.</summary>
    public void Add(ChannelRecovery recovery) => _running[recovery.PChannel] = recovery;

    /// <summary>Stops reporting <paramref name="recovery"/>, unless a newer one of its pchannel already took its place.</summary>
    public void Remove(ChannelRecovery recovery) => _running.TryRemove(KeyValuePair.Create(recovery.PChannel, recovery));

    /// <summary>The recovery of <paramref name="pchannel"/> running here, if any.</summary>
    public ChannelRecovery? Find(string pchannel) => _running.GetValueOrDefault(pchannel);

    private IEnumerable<Measurement<long>> Measure(Func<VChannelProgress, long> point)
    {
        foreach (var recovery in _running.Values)
        {
            var pchannel = KeyValuePair.Create<string, object?>("pchannel", recovery.PChannel);
            foreach (var (vchannel, progress) in recovery.Progress())
            {
                yield return new Measurement<long>(point(progress), pchannel, KeyValuePair.Create<string, object?>("vchannel", vchannel));
            }
        }
    }
}
