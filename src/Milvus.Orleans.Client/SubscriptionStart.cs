using Milvus.Orleans.Messages;

namespace Milvus.Orleans.Client;

/// <summary>Where a subscription to a vchannel starts.</summary>
public readonly record struct SubscriptionStart
{
    private SubscriptionStart(long id, bool latest, long skipThrough = -1, int skipThroughPart = 0)
    {
        Id = id;
        IsLatest = latest;
        SkipThrough = skipThrough;
        SkipThroughPart = skipThroughPart;
    }

    /// <summary>From the first message the log still holds.</summary>
    public static SubscriptionStart Earliest { get; } = new(0, latest: false);

    /// <summary>From the next message written: everything after the last confirmed one.</summary>
    public static SubscriptionStart Latest { get; } = new(0, latest: true);

    /// <summary>The message id to start at (for <see cref="At"/>).</summary>
    public long Id { get; }

    /// <summary>Whether to start after the last confirmed message.</summary>
    public bool IsLatest { get; }

    /// <summary>Messages up to (this id, <see cref="SkipThroughPart"/>) were delivered before and are skipped; -1 for none.</summary>
    public long SkipThrough { get; }

    /// <summary>With <see cref="SkipThrough"/>: the last part of a transaction delivered before (see <see cref="LoggedMessage.Part"/>).</summary>
    public int SkipThroughPart { get; }

    /// <summary>From message id <paramref name="id"/> (a message's <c>Id</c>, or 0 for the start).</summary>
    public static SubscriptionStart At(long id) => new(id >= 0 ? id : throw new ArgumentOutOfRangeException(nameof(id)), latest: false);

    /// <summary>
    /// Right after <paramref name="delivered"/>, a message an earlier subscription delivered: nothing is missed and
    /// nothing delivered again, even when it was part of a transaction.
    /// </summary>
    public static SubscriptionStart After(LoggedMessage delivered)
    {
        ArgumentNullException.ThrowIfNull(delivered);
        return new(delivered.Next, latest: false, delivered.Id, delivered.Part);
    }
}
