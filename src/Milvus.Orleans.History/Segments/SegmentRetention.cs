namespace Milvus.Orleans.History.Segments;

/// <summary>Which stored segments garbage collection deletes.</summary>
public static class SegmentRetention
{
    /// <summary>
    /// The segments to delete, in order: those a compacted segment replaced at or before <paramref name="replacedBefore"/>
    /// (older compactions first, so a compacted segment that a later one replaced goes only after the segments it hid),
    /// then those never completed (no manifest) whose newest file was written at or before <paramref name="abandonedBefore"/>.
    /// </summary>
    public static IReadOnlyList<SegmentKey> Collectable(IReadOnlyCollection<StoredSegment> stored, DateTimeOffset replacedBefore, DateTimeOffset abandonedBefore)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var present = stored.Select(s => s.Key).ToHashSet();
        var replaced = stored
            .Select(s => s.Manifest)
            .OfType<SegmentManifest>()
            .Where(m => m.CompactedFrom is not null && m.CompactedAt is { } at && at <= replacedBefore)
            .OrderBy(m => m.CompactedAt)
            .SelectMany(m => m.CompactedFrom!.Select(id => m.Key with { SegmentId = id }))
            .Where(present.Contains)
            .Distinct();
        var abandoned = stored.Where(s => s.Manifest is null && s.LastWritten <= abandonedBefore).Select(s => s.Key);
        return [.. replaced.Concat(abandoned).Distinct()];
    }
}
