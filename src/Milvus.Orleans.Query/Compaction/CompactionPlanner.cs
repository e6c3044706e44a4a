using Milvus.Orleans.History.Checkpoints;
using Milvus.Orleans.History.Segments;

namespace Milvus.Orleans.Query.Compaction;

/// <summary>One new segment to write: its inputs, all of one partition of one shard, which it replaces.</summary>
internal sealed record CompactionTask(long PartitionId, string VChannel, string PChannel, IReadOnlyList<SegmentManifest> Inputs);

/// <summary>Which segments compaction may take, and how small ones are grouped.</summary>
internal static class CompactionPlanner
{
    /// <summary>
    /// Whether no replay of the log can write <paramref name="segment"/> again: it ends at or before the position its
    /// pchannel's checkpoint replays from, or the checkpoint says its partition's history holds its last message.
    /// </summary>
    public static bool IsSettled(SegmentManifest segment, PChannelCheckpoint? checkpoint)
    {
        ArgumentNullException.ThrowIfNull(segment);
        return checkpoint is not null
            && (segment.EndPosition <= checkpoint.Position
                || (checkpoint.Persisted ?? []).Any(p =>
                    string.Equals(p.VChannel, segment.VChannel, StringComparison.Ordinal) && p.PartitionId == segment.PartitionId && p.Id >= segment.EndPosition - 1));
    }

    /// <summary>
    /// Groups of small segments (under half of <paramref name="targetBytes"/>) of one partition of one shard, in the
    /// order they were written, each up to <paramref name="targetBytes"/> in all; a group of one is left alone.
    /// </summary>
    public static List<CompactionTask> Merges(IEnumerable<SegmentManifest> segments, long targetBytes)
    {
        var tasks = new List<CompactionTask>();
        foreach (var shard in segments.Where(s => Bytes(s) < targetBytes / 2).GroupBy(s => (s.PartitionId, ShardOf(s))))
        {
            var group = new List<SegmentManifest>();
            var bytes = 0L;
            foreach (var segment in shard.OrderBy(s => s.MinTimestamp).ThenBy(s => s.SegmentId))
            {
                if (group.Count > 0 && bytes + Bytes(segment) > targetBytes)
                {
                    Close(group);
                    (group, bytes) = ([], 0);
                }

                group.Add(segment);
                bytes += Bytes(segment);
            }

            Close(group);
        }

        return tasks;

        void Close(List<SegmentManifest> group)
        {
            if (group.Count > 1)
            {
                tasks.Add(new CompactionTask(group[0].PartitionId, ShardOf(group[0]), group[0].PChannel, group));
            }
        }
    }

    /// <summary>The shard (vchannel) a segment belongs to; empty for a manifest written before manifests named it.</summary>
    public static string ShardOf(SegmentManifest segment) => segment.VChannel ?? string.Empty;

    /// <summary>The bytes of a segment's files as stored.</summary>
    public static long Bytes(SegmentManifest segment) => segment.Files.Sum(f => f.Bytes);
}
