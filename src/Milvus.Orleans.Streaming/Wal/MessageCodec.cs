using System.Buffers;
using System.Buffers.Binary;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Wal.Storage;
using Orleans.Serialization;

namespace Milvus.Orleans.Streaming.Wal;

/// <summary>
/// A message's record in the log: type = <see cref="MessageKind"/>, payload = the 8-byte timestamp (little endian)
/// followed by the message in Orleans' version-tolerant binary format.
/// </summary>
internal sealed class MessageCodec(Serializer<WalMessage> serializer)
{
    private const int TimestampBytes = sizeof(ulong);

    public WalEntry Encode(HybridTimestamp ts, WalMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(message.EstimatedBytes + 64, int.MaxValue / 2));
        BinaryPrimitives.WriteUInt64LittleEndian(buffer.GetSpan(TimestampBytes), ts.Value);
        buffer.Advance(TimestampBytes);
        serializer.Serialize(message, buffer);
        return new WalEntry((byte)message.Kind, buffer.WrittenMemory);
    }

    public LoggedMessage Decode(WalRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var ts = new HybridTimestamp(BinaryPrimitives.ReadUInt64LittleEndian(record.Payload.Span));
        var message = serializer.Deserialize(record.Payload[TimestampBytes..])
            ?? throw new InvalidDataException($"Record {record.Id} holds no message.");
        return new LoggedMessage(record.Id.Value, record.Next.Value, ts, message);
    }
}
