using Milvus.Orleans.Messages;
using Orleans.Streams;

namespace Milvus.Orleans.Streaming.Streams;

/// <summary>
/// A message as the receiver hands it to the pulling agent and its cache: the vchannel batch, and where reading the
/// pchannel resumes to miss nothing of any vchannel after it. Cursors deliver only <see cref="Batch"/>.
/// </summary>
internal sealed class ReceivedBatch(VChannelBatch batch, long resume) : IBatchContainer
{
    public VChannelBatch Batch { get; } = batch;

    /// <summary>Reading the pchannel from here misses nothing, of any vchannel, after this message.</summary>
    public long Resume { get; } = resume;

    public MessagePosition Position => MessagePosition.Of(Batch.Message);

    public StreamId StreamId => Batch.StreamId;

    public StreamSequenceToken SequenceToken => Batch.SequenceToken;

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>() => Batch.GetEvents<T>();

    public bool ImportRequestContext() => false;
}

/// <summary>
/// Asks the pulling agent to run the cursors of a stream again: a cursor reading the log found nothing, went idle,
/// and has messages now. The agent only wakes a stream's idle cursors when the receiver hands it a batch of that
/// stream, so the receiver hands it this one, which carries no events and the cache does not keep.
/// </summary>
internal sealed class WakeBatch(StreamId streamId, StreamSequenceToken sequenceToken) : IBatchContainer
{
    public StreamId StreamId { get; } = streamId;

    public StreamSequenceToken SequenceToken { get; } = sequenceToken;

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>() => [];

    public bool ImportRequestContext() => false;
}
