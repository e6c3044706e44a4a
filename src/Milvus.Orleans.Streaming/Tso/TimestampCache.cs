using Milvus.Orleans.Grains;

namespace Milvus.Orleans.Streaming.Tso;

/// <summary>
/// The silo's batch cache in front of the oracle: fetches ranges of <see cref="Prefetch"/> timestamps and hands
/// them out locally, so a WAL batch costs no call to the oracle. A range older than <see cref="MaxAge"/> is
/// dropped, which keeps timestamps close to the clock (bounded-staleness reads rely on that).
/// </summary>
internal sealed class TimestampCache(IGrainFactory grains, TimeProvider time)
{
    internal const int Prefetch = 4_096;

    internal static readonly TimeSpan MaxAge = TimeSpan.FromMilliseconds(50);

    private readonly Lock _lock = new();
    private ulong _next;
    private ulong _end;
    private long _fetchedAt;

    /// <summary>
    /// <paramref name="count"/> consecutive timestamps, all above <paramref name="after"/> (which must itself come
    /// from the oracle). Timestamps handed out by one silo strictly increase. At most <see cref="ITsoGrain.MaxBatch"/>
    /// per call, as from the oracle.
    /// </summary>
    public async ValueTask<TimestampRange> AllocateAsync(int count, HybridTimestamp after)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, ITsoGrain.MaxBatch);
        while (true)
        {
            lock (_lock)
            {
                if (_next > after.Value && _end - _next >= (ulong)count && time.GetElapsedTime(_fetchedAt) < MaxAge)
                {
                    var range = new TimestampRange(new HybridTimestamp(_next), count);
                    _next += (ulong)count;
                    return range;
                }
            }

            var fetched = await grains.GetGrain<ITsoGrain>(0)
                .AllocateAsync(Math.Max(count, Prefetch)).ConfigureAwait(false);
            lock (_lock)
            {
                // Concurrent fetches: keep the newest range so the silo's timestamps only grow.
                if (fetched.First.Value >= _end)
                {
                    _next = fetched.First.Value;
                    _end = fetched.First.Value + (ulong)fetched.Count;
                    _fetchedAt = time.GetTimestamp();
                }
            }
        }
    }
}
