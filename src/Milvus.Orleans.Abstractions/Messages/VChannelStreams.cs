using Orleans.Streams;

namespace Milvus.Orleans.Messages;

/// <summary>
/// The Orleans persistent stream provider whose queues are the WALs: one stream of <see cref="LoggedMessage"/> per
/// vchannel, carrying what <see cref="VChannelMessageFilter"/> passes (no time ticks), with a
/// <see cref="VChannelSequenceToken"/> per message.
/// </summary>
public static class VChannelStreams
{
    /// <summary>The stream provider's name.</summary>
    public const string ProviderName = "milvus";

    /// <summary>The namespace of every vchannel stream.</summary>
    public const string Namespace = "vchannel";

    /// <summary>The stream of <paramref name="vchannel"/>.</summary>
    public static StreamId Of(string vchannel) => StreamId.Create(Namespace, vchannel);
}

/// <summary>
/// Where a message sits in its vchannel stream: its (<see cref="LoggedMessage.Id"/>, <see cref="LoggedMessage.Part"/>),
/// by which tokens are ordered, and where reading resumes to deliver what follows it.
/// </summary>
[GenerateSerializer]
[Immutable]
public sealed class VChannelSequenceToken : StreamSequenceToken
{
    /// <summary>A token at (<paramref name="id"/>, <paramref name="part"/>), resumed by reading from <paramref name="resume"/>.</summary>
    public VChannelSequenceToken(long id, int part, long resume)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(resume);
        SequenceNumber = id;
        EventIndex = part;
        Resume = resume;
    }

    /// <summary>The message's id (a transaction's: its commit's).</summary>
    [Id(0)]
    public override long SequenceNumber { get; protected set; }

    /// <summary>The message's <see cref="LoggedMessage.Part"/>.</summary>
    [Id(1)]
    public override int EventIndex { get; protected set; }

    /// <summary>The log position from which reading delivers everything after this message.</summary>
    [Id(2)]
    public long Resume { get; private set; }

    /// <summary>
    /// Subscribes from message id <paramref name="id"/> on (a message's <see cref="LoggedMessage.Id"/>, or 0 for the
    /// first the log still holds): messages at or after it, except transactions begun before it.
    /// </summary>
    public static VChannelSequenceToken From(long id) => new(id, 0, id);

    /// <summary>The token of a delivered message.</summary>
    public static VChannelSequenceToken Of(LoggedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new(message.Id, message.Part, message.Next);
    }

    public override bool Equals(StreamSequenceToken? other) =>
        other is not null && other.SequenceNumber == SequenceNumber && other.EventIndex == EventIndex;

    public override bool Equals(object? obj) => obj is StreamSequenceToken other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(SequenceNumber, EventIndex);

    public override int CompareTo(StreamSequenceToken? other)
    {
        if (other is null)
        {
            return 1;
        }

        var bySequence = SequenceNumber.CompareTo(other.SequenceNumber);
        return bySequence != 0 ? bySequence : EventIndex.CompareTo(other.EventIndex);
    }

    public override string ToString() => $"({SequenceNumber}, {EventIndex}) from {Resume}";
}

/// <summary>One message of a vchannel stream, as Orleans' persistent streams deliver it.</summary>
/// <param name="StreamId">The vchannel's stream (<see cref="VChannelStreams.Of"/>).</param>
/// <param name="Message">The message.</param>
[GenerateSerializer]
[Immutable]
public sealed record VChannelBatch(
    [property: Id(0)] StreamId StreamId,
    [property: Id(1)] LoggedMessage Message) : IBatchContainer
{
    /// <summary>The message's token: <see cref="VChannelSequenceToken.Of"/>.</summary>
    public StreamSequenceToken SequenceToken => VChannelSequenceToken.Of(Message);

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>() =>
        Message is T item ? [Tuple.Create(item, SequenceToken)] : [];

    public bool ImportRequestContext() => false;
}
