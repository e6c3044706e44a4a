using Milvus.Orleans.Streaming.Configuration;

namespace Milvus.Orleans.Streaming.Recovery;

/// <summary>Why a growing segment is sealed now, if it is: <c>Milvus:Segment</c>'s size, idle time and lifetime.</summary>
internal sealed class SealPolicy(SegmentOptions options)
{
    /// <summary>The reason to seal <paramref name="segment"/> at <paramref name="now"/>, or null to keep it growing.</summary>
    public string? Reason(GrowingSegment segment, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(segment);
        if (segment.Rows + segment.Deletes == 0)
        {
            return null;
        }

        if (segment.Bytes >= options.MaxSizeMb * 1024L * 1024)
        {
            return "size";
        }

        if (now - segment.LastWriteAt >= TimeSpan.FromSeconds(options.FlushIntervalSeconds))
        {
            return "idle";
        }

        return now - segment.OpenedAt >= TimeSpan.FromHours(options.LifetimeHours) ? "lifetime" : null;
    }
}
