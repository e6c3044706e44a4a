using Microsoft.Extensions.Options;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Streaming.Configuration;

namespace Milvus.Orleans.Streaming.Placement;

/// <summary>
/// Refuses to start a silo whose <c>Milvus:Streaming:PChannels</c> differs from the pchannels of a cluster that has
/// data: its collections' vchannels and logs are bound to those pchannels, and silos that disagree on them would place
/// and size channels differently. The silo stops with the failure as a configuration error (exit code 2).
/// </summary>
internal sealed class ClusterShapeCheck(IGrainFactory grains, IOptions<StreamingOptions> options, TimeProvider time) : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>
    /// How long one question waits. A silo joins while others may die: a question lost with a silo is asked again
    /// rather than waited for until Orleans' response timeout, and one that finds a silo gone is asked again at once.
    /// </summary>
    internal static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(1);

    public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe(nameof(ClusterShapeCheck), ServiceLifecycleStage.Active, CheckAsync);

    internal async Task CheckAsync(CancellationToken cancellationToken)
    {
        var configured = options.Value.PChannels;
        var topology = await AskAsync(grains.GetGrain<IStreamingCoordinatorGrain>(0).GetTopologyAsync, cancellationToken).ConfigureAwait(false);
        if (topology.Channels.Count != configured && await AskAsync(grains.GetGrain<ICatalogGrain>(0).HasCollectionsAsync, cancellationToken).ConfigureAwait(false))
        {
            throw new OptionsValidationException(
                StreamingOptions.SectionName,
                typeof(StreamingOptions),
                [$"{StreamingOptions.SectionName}:PChannels = {configured}, but this cluster's collections and logs are on {topology.Channels.Count} pchannels: start the silo with {StreamingOptions.SectionName}:PChannels = {topology.Channels.Count} (a cluster with data keeps its pchannels)."]);
        }
    }

    private Task<T> AskAsync<T>(Func<Task<T>> question, CancellationToken cancellationToken) =>
        TransientRetry.RunAsync(question, Deadline, time, cancellationToken, AttemptTimeout);
}
