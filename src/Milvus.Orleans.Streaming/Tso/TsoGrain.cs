using Milvus.Orleans.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Milvus.Orleans.Streaming.Tso;

/// <summary>The persisted part of the oracle: the upper bound of what it may have handed out.</summary>
[GenerateSerializer]
internal sealed class TsoState
{
    [Id(0)]
    public ulong ReservedUpTo { get; set; }
}

/// <summary>
/// The cluster's timestamp oracle. Non-reentrant, so reservations and issues never interleave; the
/// reservation is written to grain storage (Redis) before any timestamp above the old one is returned.
/// </summary>
internal sealed partial class TsoGrain(
    [PersistentState("tso")] IPersistentState<TsoState> state,
    [FromKeyedServices(TsoGrain.ClockKey)] TimeProvider timeProvider,
    ILogger<TsoGrain> logger) : Grain, ITsoGrain
{
    /// <summary>
    /// The service key of the oracle's physical clock: the silo's <see cref="TimeProvider"/> unless a test gives it
    /// its own (running all of Orleans on a fake clock can livelock its timers).
    /// </summary>
    internal const string ClockKey = "milvus-tso-clock";

    /// <summary>One reservation covers this much clock time, so storage is written about every 3 s under load.</summary>
    internal const long WindowMs = 3_000;

    private TsoWindow? _window;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _window = new TsoWindow(state.State.ReservedUpTo, WindowMs);
        LogResumed(logger, state.State.ReservedUpTo);
        return Task.CompletedTask;
    }

    public async Task<TimestampRange> AllocateAsync(int count)
    {
        if (count is < 1 or > ITsoGrain.MaxBatch)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"count = {count}: allowed 1..{ITsoGrain.MaxBatch}.");
        }

        var window = _window!;
        var nowMs = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var range = window.Next(count, nowMs);
        if (window.ReservationFor(range, nowMs) is { } reservation)
        {
            state.State.ReservedUpTo = reservation;
            await state.WriteStateAsync().ConfigureAwait(true);
            window.Reserved(reservation);
        }

        window.Issue(range);
        return range;
    }

    public async Task<HybridTimestamp> NextAsync() => (await AllocateAsync(1).ConfigureAwait(true)).First;

    [LoggerMessage(Level = LogLevel.Information, Message = "TSO resumed above reservation {ReservedUpTo}")]
    private static partial void LogResumed(ILogger logger, ulong reservedUpTo);
}
