using Milvus.Orleans.Messages;

namespace Milvus.Orleans.Grains;

/// <summary>A pchannel's state as its owner sees it.</summary>
/// <param name="Term">The owner's term.</param>
/// <param name="LastConfirmedId">Id of the last durable message, or -1 if none was written in this term.</param>
/// <param name="DurableEnd">Where the next message will start: a subscription from here sees only later messages.</param>
/// <param name="LastTimeTick">The last time tick: no later message has a timestamp at or below it.</param>
/// <param name="Owner">The silo the owner runs on.</param>
[GenerateSerializer, Immutable]
public sealed record WalChannelState(
    [property: Id(0)] long Term,
    [property: Id(1)] long LastConfirmedId,
    [property: Id(2)] long DurableEnd,
    [property: Id(3)] HybridTimestamp LastTimeTick,
    [property: Id(4)] SiloAddress Owner);

/// <summary>
/// One pchannel's log (key: pchannel name), placed on the silo the coordinator bound it to. Stamps each message
/// with a timestamp in log order and acknowledges only once the message is durable.
/// </summary>
public interface IWalGrain : IGrainWithStringKey
{
    /// <summary>
    /// Appends <paramref name="messages"/> contiguously and in order, returning their ids and timestamps once durable.
    /// Fails with <see cref="ErrorCode.ChannelNotReady"/> or <see cref="ErrorCode.WrongTerm"/> while the pchannel moves.
    /// </summary>
    Task<IReadOnlyList<AppendResult>> AppendAsync(IReadOnlyList<WalMessage> messages);

    /// <summary>The coordinator moved the pchannel to <paramref name="term"/>: an older owner stops and deactivates.</summary>
    Task ReleaseAsync(long term);

    /// <summary>The owner's term, last confirmed id and last time tick.</summary>
    [ClientFacing]
    Task<WalChannelState> GetStateAsync();
}
