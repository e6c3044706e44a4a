using System.Text.Json;
using System.Text.Json.Serialization;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.History.Segments;

/// <summary>
/// What a segment holds, written last: a segment whose manifest exists is complete. Readable by people and tools
/// (JSON); the field list lets a reader make sense of the Parquet files without the catalog. A segment made by
/// compaction lists the segments of its partition it replaces (<see cref="CompactedFrom"/>): from the moment its
/// manifest is written, listings leave those out, so the swap is one write.
/// </summary>
public sealed record SegmentManifest(
    int FormatVersion,
    long CollectionId,
    long PartitionId,
    long SegmentId,
    string PChannel,
    int Rows,
    int Deletes,
    long MinTimestamp,
    long MaxTimestamp,
    long EndPosition,
    IReadOnlyList<ManifestField> Fields,
    IReadOnlyList<ManifestFile> Files,
    string? VChannel = null,
    IReadOnlyList<long>? CompactedFrom = null,
    DateTimeOffset? CompactedAt = null)
{
    /// <summary>The version this code writes.</summary>
    public const int CurrentFormat = 1;

    public static SegmentManifest Read(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, ManifestJson.Default.SegmentManifest) ?? throw new InvalidDataException("An empty segment manifest.");

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, ManifestJson.Default.SegmentManifest);

    /// <summary>The segments of <paramref name="manifests"/> no other one of them replaces (compaction's inputs are left out).</summary>
    public static IEnumerable<SegmentManifest> Live(IReadOnlyCollection<SegmentManifest> manifests)
    {
        ArgumentNullException.ThrowIfNull(manifests);
        var replaced = manifests
            .SelectMany(m => (m.CompactedFrom ?? []).Select(id => new SegmentKey(m.CollectionId, m.PartitionId, id)))
            .ToHashSet();
        return manifests.Where(m => !replaced.Contains(m.Key));
    }

    /// <summary>Where the segment lives.</summary>
    [JsonIgnore]
    public SegmentKey Key => new(CollectionId, PartitionId, SegmentId);
}

/// <summary>A field as the manifest records it.</summary>
public sealed record ManifestField(string Name, DataType Type, bool IsPrimaryKey, int Dimension);

/// <summary>A file of the segment, with its size, for a reader to check it got all of it.</summary>
public sealed record ManifestFile(string Name, long Bytes);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(SegmentManifest))]
internal sealed partial class ManifestJson : JsonSerializerContext;
