namespace Milvus.Orleans;

/// <summary>
/// Every error the service reports. Carried by <see cref="MilvusException"/>.
/// </summary>
public enum ErrorCode
{
    /// <summary>An argument or configuration value is outside what is allowed.</summary>
    InvalidArgument = 1,

    /// <summary>The channel is moving between silos or still recovering; retry.</summary>
    ChannelNotReady = 2,

    /// <summary>The request carried a term older than the channel's current one; retry.</summary>
    WrongTerm = 3,

    /// <summary>A writer with an older term tried to write after a newer one took over.</summary>
    Fenced = 4,

    /// <summary>Buffers are full and the request's deadline passed while waiting.</summary>
    Backpressure = 5,
}
