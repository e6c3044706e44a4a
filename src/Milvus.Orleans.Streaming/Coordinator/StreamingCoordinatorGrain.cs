using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Channels;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Streaming.Configuration;

namespace Milvus.Orleans.Streaming.Coordinator;

/// <summary>The coordinator's persisted part: the bindings and their version.</summary>
[GenerateSerializer]
internal sealed class CoordinatorState
{
    [Id(0)]
    public long Version { get; set; }

    [Id(1)]
    public List<ChannelBinding> Channels { get; set; } = [];
}

/// <summary>
/// Binds pchannels to active silos (see <see cref="ChannelBalancer"/>) and persists the bindings before anyone
/// learns of them, so a term is never handed out twice. It looks at Orleans membership every
/// <see cref="MembershipPoll"/>, so a silo declared dead loses its pchannels at once.
/// </summary>
internal sealed partial class StreamingCoordinatorGrain(
    [PersistentState("coordinator")] IPersistentState<CoordinatorState> state,
    IClusterMembershipService membership,
    IOptions<StreamingOptions> options,
    ILogger<StreamingCoordinatorGrain> logger) : Grain, IStreamingCoordinatorGrain
{
    internal static readonly TimeSpan MembershipPoll = TimeSpan.FromMilliseconds(100);

    private MembershipVersion _seen = MembershipVersion.MinValue;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChannelTopology Topology => new(state.State.Version, state.State.Channels);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var configured = Enumerable.Range(0, options.Value.PChannels).Select(ChannelNames.PChannel).ToArray();
        if (state.State.Channels.Count != configured.Length
            && (state.State.Channels.Count == 0 || !await GrainFactory.GetGrain<ICatalogGrain>(0).HasCollectionsAsync().ConfigureAwait(true)))
        {
            // A cluster without data takes the configured pchannels; one with data keeps its own, and silos configured
            // otherwise refuse to start (ClusterShapeCheck).
            var known = state.State.Channels.ToDictionary(c => c.PChannel, StringComparer.Ordinal);
            state.State.Channels = [.. configured.Select(p => known.GetValueOrDefault(p) ?? new ChannelBinding(p, null, 0))];
        }

        await RebalanceAsync().ConfigureAwait(true);
        this.RegisterGrainTimer(
            _ => _seen == membership.CurrentSnapshot.Version ? Task.CompletedTask : RebalanceAsync(),
            new GrainTimerCreationOptions(MembershipPoll, MembershipPoll) { KeepAlive = true });
    }

    public Task<ChannelTopology> GetTopologyAsync() => Task.FromResult(Topology);

    public async Task<ChannelTopology> WatchTopologyAsync(long knownVersion, TimeSpan maxWait)
    {
        if (state.State.Version <= knownVersion)
        {
            try
            {
                await _changed.Task.WaitAsync(maxWait).ConfigureAwait(true);
            }
            catch (TimeoutException)
            {
                // Nothing changed: the caller gets the same version and asks again.
            }
        }

        return Topology;
    }

    public async Task ReportFencedAsync(string pchannel, long storageTerm)
    {
        var index = state.State.Channels.FindIndex(c => string.Equals(c.PChannel, pchannel, StringComparison.Ordinal));
        if (index < 0 || state.State.Channels[index].Term > storageTerm)
        {
            return;
        }

        LogBehindStorage(logger, pchannel, state.State.Channels[index].Term, storageTerm);
        state.State.Channels[index] = state.State.Channels[index] with { Term = storageTerm + 1 };
        await PublishAsync().ConfigureAwait(true);
    }

    private async Task RebalanceAsync()
    {
        var snapshot = membership.CurrentSnapshot;
        var active = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToArray();
        var before = state.State.Channels;
        var after = ChannelBalancer.Balance(before, active);
        _seen = snapshot.Version;
        var moved = Enumerable.Range(0, after.Count).Where(i => after[i] != before[i]).ToArray();
        if (moved.Length == 0)
        {
            return;
        }

        state.State.Channels = [.. after];
        await PublishAsync().ConfigureAwait(true);
        // A live old owner's silo releases the pchannel when it sees the new topology (ChannelDirectory).
        LogRebalanced(logger, moved.Length, active.Length, state.State.Version);
    }

    private async Task PublishAsync()
    {
        state.State.Version++;
        await state.WriteStateAsync().ConfigureAwait(true);
        var changed = _changed;
        _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.SetResult();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Moved {Moved} pchannels over {Silos} active silos; topology version {Version}")]
    private static partial void LogRebalanced(ILogger logger, int moved, int silos, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pchannel {PChannel}: term {Term} is behind storage's {StorageTerm}; moving past it")]
    private static partial void LogBehindStorage(ILogger logger, string pchannel, long term, long storageTerm);
}
