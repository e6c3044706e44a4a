using Milvus.Orleans.Messages;
using Orleans.Placement;
using Orleans.Streams;

namespace Milvus.Orleans.Streaming.Tests.Streams;

/// <summary>A grain that subscribes to a vchannel stream and keeps what it receives, for tests to read.</summary>
public interface IStreamProbeGrain : IGrainWithStringKey
{
    Task SubscribeAsync(string vchannel, VChannelSequenceToken? from);

    Task<string> GetSiloAsync();

    Task<IReadOnlyList<LoggedMessage>> GetReceivedAsync();

    Task<IReadOnlyList<VChannelSequenceToken>> GetTokensAsync();
}

[PreferLocalPlacement]
internal sealed class StreamProbeGrain(ILocalSiloDetails silo) : Grain, IStreamProbeGrain, IAsyncObserver<LoggedMessage>
{
    private readonly List<LoggedMessage> _received = [];
    private readonly List<VChannelSequenceToken> _tokens = [];

    public async Task SubscribeAsync(string vchannel, VChannelSequenceToken? from) =>
        await this.GetStreamProvider(VChannelStreams.ProviderName).GetStream<LoggedMessage>(VChannelStreams.Of(vchannel)).SubscribeAsync(this, from);

    public Task<string> GetSiloAsync() => Task.FromResult(silo.SiloAddress.ToParsableString());

    public Task<IReadOnlyList<LoggedMessage>> GetReceivedAsync() => Task.FromResult<IReadOnlyList<LoggedMessage>>([.. _received]);

    public Task<IReadOnlyList<VChannelSequenceToken>> GetTokensAsync() => Task.FromResult<IReadOnlyList<VChannelSequenceToken>>([.. _tokens]);

    public Task OnNextAsync(LoggedMessage item, StreamSequenceToken? token = null)
    {
        _received.Add(item);
        _tokens.Add((VChannelSequenceToken)token!);
        return Task.CompletedTask;
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;
}
