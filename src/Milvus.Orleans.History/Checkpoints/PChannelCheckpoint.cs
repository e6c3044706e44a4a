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
/// <param name="Persisted">Partitions whose history already holds messages at or after <paramref name="Position"/>
/// (sealed while another partition's segment was still growing): replay skips what they hold.</param>
/// <param name="Requests">Client requests logged before <paramref name="Position"/> within the dedup window: a replay
/// drops a retried copy of one that lies after it.</param>
public sealed record PChannelCheckpoint(
    string PChannel,
    long Term,
    long Position,
    long Timestamp,
    IReadOnlyList<PersistedPartition>? Persisted = null,
    IReadOnlyList<RememberedRequest>? Requests = null)
{
    /// <summary>The most requests a checkpoint remembers (the newest); at about 100 bytes each, 6.5 MB at the most.</summary>
    public const int MaxRequests = 65_536;

    public static PChannelCheckpoint Read(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, CheckpointJson.Default.PChannelCheckpoint) ?? throw new InvalidDataException("An empty checkpoint.");

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, CheckpointJson.Default.PChannelCheckpoint);
}

/// <summary>A client request of <paramref name="VChannel"/> a reader saw in the log (see <c>SeenRequest</c>).</summary>
public sealed record RememberedRequest(string VChannel, Guid RequestId, long TxnId, long PhysicalMs, long From, long At);

/// <summary>How far one partition of one vchannel is in history: through the message at (<paramref name="Id"/>, <paramref name="Part"/>).</summary>
public sealed record PersistedPartition(string VChannel, long PartitionId, long Id, int Part);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PChannelCheckpoint))]
internal sealed partial class CheckpointJson : JsonSerializerContext;
