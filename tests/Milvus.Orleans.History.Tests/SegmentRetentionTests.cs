using Milvus.Orleans.History.Segments;

namespace Milvus.Orleans.History.Tests;

public sealed class SegmentRetentionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Collectable_WithCompactionsOfDifferentAgesAndAnUncommittedWrite_DeletesReplacedInputsOldestFirstAndOnlyWhatIsDue()
    {
        StoredSegment[] stored =
        [
            Live(1, compactedFrom: null, at: null),
            Live(2, compactedFrom: null, at: null),
            Live(3, compactedFrom: [1, 2], at: Now.AddHours(-30)),
            Live(4, compactedFrom: null, at: null),
            Live(5, compactedFrom: [3, 4], at: Now.AddHours(-25)),
            Live(6, compactedFrom: null, at: null),
            Live(7, compactedFrom: [6], at: Now.AddHours(-1)),
            Live(8, compactedFrom: [99], at: Now.AddHours(-48)),
            new(new SegmentKey(1, 10, 9), null, Now.AddHours(-26)),
            new(new SegmentKey(1, 10, 10), null, Now.AddMinutes(-5)),
        ];

        var due = SegmentRetention.Collectable(stored, Now.AddHours(-24), Now.AddHours(-24));

        Assert.Equal([1L, 2, 3, 4, 9], due.Select(k => k.SegmentId));
    }

    [Fact]
    public void Collectable_WithAReplacedSegmentOfAnotherPartition_KeepsIt()
    {
        StoredSegment[] stored = [Live(1, null, null) with { Key = new SegmentKey(1, 11, 1) }, Live(3, compactedFrom: [1], at: Now.AddHours(-30))];

        Assert.Empty(SegmentRetention.Collectable(stored, Now, Now));
    }

    private static StoredSegment Live(long id, IReadOnlyList<long>? compactedFrom, DateTimeOffset? at) => new(
        new SegmentKey(1, 10, id),
        new SegmentManifest(SegmentManifest.CurrentFormat, 1, 10, id, "p", 1, 0, 1, 1, 1, [], [], "v", compactedFrom, at),
        at ?? Now.AddDays(-3));
}
