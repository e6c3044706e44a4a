namespace Milvus.Orleans.History.Checkpoints;

/// <summary>One checkpoint per pchannel, which only its current owner may move, and within a term only forward.</summary>
public interface ICheckpointStore
{
    /// <summary>The pchannel's checkpoint, or null before its first.</summary>
    Task<PChannelCheckpoint?> ReadAsync(string pchannel, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the checkpoint. Fails with <see cref="ErrorCode.Fenced"/> if a newer term wrote the current one, and
    /// with <see cref="ErrorCode.InvalidArgument"/> if it would move the position back within the same term.
    /// </summary>
    Task WriteAsync(PChannelCheckpoint checkpoint, CancellationToken cancellationToken);
}
