using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Messages;

/// <summary>What a message in a channel's log does.</summary>
public enum MessageKind : byte
{
    /// <summary>A collection was created; carries its <see cref="CollectionInfo"/>.</summary>
    CreateCollection = 1,

    /// <summary>A collection was dropped; nothing of it follows on the vchannel.</summary>
    DropCollection = 2,

    /// <summary>A partition was created.</summary>
    CreatePartition = 3,

    /// <summary>A partition was dropped.</summary>
    DropPartition = 4,

    /// <summary>Rows inserted.</summary>
    Insert = 5,

    /// <summary>Rows deleted by primary key.</summary>
    Delete = 6,

    /// <summary>Rows replaced by primary key: a delete of the rows' keys and an insert, as one.</summary>
    Upsert = 7,

    /// <summary>A time tick on the pchannel: no later message has a timestamp at or below this one's.</summary>
    TimeTick = 8,

    /// <summary>A transaction begins; its messages are visible only once its commit is.</summary>
    BeginTxn = 9,

    /// <summary>A transaction's messages become visible, all at once.</summary>
    CommitTxn = 10,

    /// <summary>A transaction's messages are discarded.</summary>
    RollbackTxn = 11,

    /// <summary>A transaction's writer is still there: readers keep it open for another keep-alive.</summary>
    TxnKeepAlive = 12,

    /// <summary>
    /// A flush barrier of one collection's vchannel: history holds everything of the vchannel logged before it once
    /// the recovery grain has passed it.
    /// </summary>
    Flush = 13,
}

/// <summary>A message on a vchannel, as written to its pchannel's log and delivered to subscribers.</summary>
/// <param name="Kind">What it does.</param>
/// <param name="VChannel">The vchannel it belongs to; empty for a pchannel's time tick.</param>
/// <param name="CollectionId">The collection; 0 for a time tick.</param>
/// <param name="Partition">Insert/Upsert/partition DDL: the partition; Delete: the partition, or null for all.</param>
/// <param name="Rows">Insert/Upsert: the rows.</param>
/// <param name="Keys">Delete: the primary keys.</param>
/// <param name="Collection">CreateCollection: the collection.</param>
/// <param name="TxnId">The transaction the message belongs to; 0 for none.</param>
/// <param name="RequestId">The client request that wrote it (every message of its transaction carries it), so a
/// request logged twice by a retry is delivered once; empty for messages no client retries.</param>
/// <param name="TxnKeepAliveMs">BeginTxn: how long, in timestamps, the transaction may go without a message of
/// its own before readers give it up (0: the reader's default). Carried in the log so every reader decides alike.</param>
[GenerateSerializer, Immutable]
public sealed record WalMessage(
    [property: Id(0)] MessageKind Kind,
    [property: Id(1)] string VChannel,
    [property: Id(2)] long CollectionId,
    [property: Id(3)] string? Partition = null,
    [property: Id(4)] RowBatch? Rows = null,
    [property: Id(5)] PrimaryKeys? Keys = null,
    [property: Id(6)] CollectionInfo? Collection = null,
    [property: Id(7)] long TxnId = 0,
    [property: Id(8)] Guid RequestId = default,
    [property: Id(9)] long TxnKeepAliveMs = 0)
{
    /// <summary>Whether the message changes a collection's definition (and so is exclusive with data on its vchannel).</summary>
    public bool IsDdl => Kind is MessageKind.CreateCollection or MessageKind.DropCollection
        or MessageKind.CreatePartition or MessageKind.DropPartition;

    /// <summary>Approximate size in the log.</summary>
    public long EstimatedBytes => 64 + VChannel.Length + (Rows?.EstimatedBytes ?? 0) + (8L * (Keys?.Count ?? 0));
}

/// <summary>
/// A message as the log holds it (its id, the id after it, its timestamp), or as a reader delivers it: a committed
/// transaction's messages are delivered at their commit, with the commit's id and timestamp and numbered by
/// <paramref name="Part"/>, so delivery order is (<paramref name="Id"/>, <paramref name="Part"/>) order and a
/// transaction becomes visible at one timestamp.
/// </summary>
/// <param name="Id">Where the message (for a transaction's message: its commit) starts in its pchannel's log.</param>
/// <param name="Next">Where a reader resumes to miss nothing after this message: the next id, or the begin of a
/// transaction still open at this point.</param>
/// <param name="Ts">Its timestamp (a transaction's: its commit's); increasing along the log.</param>
/// <param name="Message">The message.</param>
/// <param name="Part">A delivered transaction's messages: 1, 2, … in log order; 0 for every other message.</param>
[GenerateSerializer, Immutable]
public sealed record LoggedMessage(
    [property: Id(0)] long Id,
    [property: Id(1)] long Next,
    [property: Id(2)] HybridTimestamp Ts,
    [property: Id(3)] WalMessage Message,
    [property: Id(4)] int Part = 0)
{
    /// <summary>Whether this message is delivered after the one at (<paramref name="id"/>, <paramref name="part"/>).</summary>
    public bool Follows(long id, int part) => Id > id || (Id == id && Part > part);
}

/// <summary>Where and when a message was written, returned once it is durable.</summary>
/// <param name="Id">Its id in the pchannel's log.</param>
/// <param name="Ts">Its timestamp.</param>
[GenerateSerializer, Immutable]
public readonly record struct AppendResult(
    [property: Id(0)] long Id,
    [property: Id(1)] HybridTimestamp Ts);

/// <summary>The outcome of a durable write.</summary>
/// <param name="Count">Rows inserted, or keys deleted.</param>
/// <param name="Ts">Timestamp of the write; a read at or after it sees the write.</param>
/// <param name="AssignedIds">For an AutoId collection's insert: the keys assigned, in row order. Otherwise null.</param>
[GenerateSerializer, Immutable]
public sealed record WriteResult(
    [property: Id(0)] long Count,
    [property: Id(1)] HybridTimestamp Ts,
    [property: Id(2)] long[]? AssignedIds = null);

/// <summary>The outcome of a flush.</summary>
/// <param name="Ts">The barrier's timestamp: history holds every write before it.</param>
/// <param name="SegmentIds">The segments the flush sealed, by id (none if nothing was growing).</param>
[GenerateSerializer, Immutable]
public sealed record FlushResult(
    [property: Id(0)] HybridTimestamp Ts,
    [property: Id(1)] IReadOnlyList<long> SegmentIds);
