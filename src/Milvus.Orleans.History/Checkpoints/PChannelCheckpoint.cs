using System.Text.Json;
using System.Text.Json.Serialization;

namespace Milvus.Orleans.History.Checkpoints;

/// <summary>
/// How far a pchannel's log is in history: replaying the log from <see cref="Position"/> restores everything the
/// sealed segments do not hold, so the log before it may be truncated.
/// </summary>
/// <param name="PChannel">The pchannel.</param>
/// <param name="Term">The term of the owner that wrote it; an owner with an older term may not write over it.</param>
/// <param name="Position">Where replay starts: no later than the begin of any transaction still open there.</param>
/// <param name="Timestamp">The timestamp of the last message the history holds.</param>
public sealed record PChannelCheckpoint(string PChannel, long Term, long Position, long Timestamp)
{
    public static PChannelCheckpoint Read(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, CheckpointJson.Default.PChannelCheckpoint) ?? throw new InvalidDataException("An empty checkpoint.");

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, CheckpointJson.Default.PChannelCheckpoint);
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PChannelCheckpoint))]
internal sealed partial class CheckpointJson : JsonSerializerContext;
