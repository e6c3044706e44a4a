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

    /// <summary>A scratch buffer larger than this is not kept for the thread's next message.</summary>
    private const int KeptScratchBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Each thread's scratch buffer: a message is serialized there and copied out at its exact size. Serializing into
    /// a buffer sized by the message's estimate doubled it whenever the estimate fell short (it always did, by the
    /// serializer's headers), so every insert left a large-object-heap array twice its size.
    /// </summary>
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _scratch;

    public WalEntry Encode(HybridTimestamp ts, WalMessage message)
    {
        var buffer = _scratch ?? new ArrayBufferWriter<byte>(64 * 1024);
        _scratch = null;
        try
        {
            BinaryPrimitives.WriteUInt64LittleEndian(buffer.GetSpan(TimestampBytes), ts.Value);
            buffer.Advance(TimestampBytes);
            serializer.Serialize(message, buffer);
            return new WalEntry((byte)message.Kind, buffer.WrittenSpan.ToArray());
        }
        finally
        {
            buffer.ResetWrittenCount();
            _scratch = buffer.Capacity <= KeptScratchBytes ? buffer : null;
        }
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
