using Milvus.Orleans.Messages;
using Orleans.Streams;

namespace Milvus.Orleans.Streaming.Streams;

/// <summary>Where a delivered message sits on its pchannel: (id, part), in delivery order.</summary>
internal readonly record struct MessagePosition(long Id, int Part) : IComparable<MessagePosition>
{
    public static MessagePosition Of(LoggedMessage message) => new(message.Id, message.Part);

    public static MessagePosition Of(StreamSequenceToken token) => new(token.SequenceNumber, token.EventIndex);

    public static bool operator <(MessagePosition left, MessagePosition right) => left.CompareTo(right) < 0;

    public static bool operator >(MessagePosition left, MessagePosition right) => left.CompareTo(right) > 0;

    public static bool operator <=(MessagePosition left, MessagePosition right) => left.CompareTo(right) <= 0;

    public static bool operator >=(MessagePosition left, MessagePosition right) => left.CompareTo(right) >= 0;

    /// <summary>The least position after this one.</summary>
    public MessagePosition Next() => this with { Part = Part + 1 };

    public int CompareTo(MessagePosition other) => Id != other.Id ? Id.CompareTo(other.Id) : Part.CompareTo(other.Part);
}
