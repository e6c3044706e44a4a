using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.History.Segments;

/// <summary>Sealed segments in storage, each as data, deletes and a manifest under names made of ids only.</summary>
public interface IHistoryStore
{
    /// <summary>
    /// Writes <paramref name="segment"/>'s files, the manifest last, and returns the manifest. Writing a segment again
    /// (after a crash before its checkpoint) replaces it with the same content.
    /// </summary>
    Task<SegmentManifest> WriteSegmentAsync(SealedSegment segment, CancellationToken cancellationToken);

    /// <summary>
    /// Writes <paramref name="segment"/>'s data and deletes but not its manifest, which is returned: the segment is not
    /// complete, nor listed, until <see cref="CommitAsync"/> writes it (files built for it meanwhile go beside it).
    /// </summary>
    Task<SegmentManifest> WriteFilesAsync(SealedSegment segment, CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="manifest"/>: its segment is complete and listed from now on.</summary>
    Task CommitAsync(SegmentManifest manifest, CancellationToken cancellationToken);

    /// <summary>Reads a complete segment (one whose manifest was written) back; null if there is none.</summary>
    Task<SealedSegment?> ReadSegmentAsync(SegmentKey key, CollectionSchema schema, CancellationToken cancellationToken);

    /// <summary>The deletes a complete segment holds: primary keys and their timestamps.</summary>
    Task<(FieldColumn Keys, long[] Timestamps)> ReadDeletesAsync(SegmentManifest manifest, FieldSchema primaryKey, CancellationToken cancellationToken);

    /// <summary>Stores the file at <paramref name="path"/> beside the segment as <paramref name="name"/> (an index built for it).</summary>
    Task WriteIndexAsync(SegmentKey key, string name, string path, CancellationToken cancellationToken);

    /// <summary>Fetches the segment's file <paramref name="name"/> into <paramref name="path"/>; false when there is none.</summary>
    Task<bool> ReadIndexAsync(SegmentKey key, string name, string path, CancellationToken cancellationToken);

    /// <summary>
    /// The manifests of a collection's live segments: complete, and not replaced by a compacted segment (see
    /// <see cref="SegmentManifest.CompactedFrom"/>).
    /// </summary>
    IAsyncEnumerable<SegmentManifest> ListSegmentsAsync(long collectionId, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes every file of a collection's history, or of one of its partitions when <paramref name="partitionId"/>
    /// is given: manifests first, so no reader finds a segment half gone. Returns how many files were deleted; a
    /// second call deletes none.
    /// </summary>
    Task<int> DeleteAsync(long collectionId, long? partitionId, CancellationToken cancellationToken);

    /// <summary>The manifests of every live segment of every collection.</summary>
    IAsyncEnumerable<SegmentManifest> ListSegmentsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Every segment stored, of every collection: live, replaced by compaction, or never completed (no manifest), with
    /// when its newest file was written. What garbage collection decides on.
    /// </summary>
    IAsyncEnumerable<StoredSegment> ListStoredAsync(CancellationToken cancellationToken);

    /// <summary>Deletes one segment's files, its manifest first; returns how many were deleted (none the second time).</summary>
    Task<int> DeleteSegmentAsync(SegmentKey key, CancellationToken cancellationToken);
}

/// <summary>A segment's files as stored: its manifest (null when it was never completed) and when its newest file was written.</summary>
public sealed record StoredSegment(SegmentKey Key, SegmentManifest? Manifest, DateTimeOffset LastWritten);
