namespace Milvus.Orleans;

/// <summary>
/// The one exception type of the service: an <see cref="ErrorCode"/> and a message saying what was wrong
/// and what was expected.
/// </summary>
[GenerateSerializer]
public sealed class MilvusException : Exception
{
    public MilvusException()
    {
    }

    public MilvusException(string message)
        : base(message)
    {
    }

    public MilvusException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public MilvusException(ErrorCode code, string message)
        : base(message)
    {
        Code = code;
    }

    public MilvusException(ErrorCode code, string message, Exception innerException)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>What went wrong.</summary>
    [Id(0)]
    public ErrorCode Code { get; private set; }

    /// <summary>
    /// Whether the client should retry with backoff: the channel is moving or recovering, or its silo's buffers are
    /// full, and the write was not done.
    /// </summary>
    public bool IsTransient => Code is ErrorCode.ChannelNotReady or ErrorCode.WrongTerm or ErrorCode.Fenced or ErrorCode.Backpressure;
}
