using Milvus.Orleans.Data;
using Milvus.Orleans.Messages;

namespace Milvus.Orleans.Grains;

/// <summary>
/// One shard of one collection (key: vchannel name), on the silo of its pchannel. Validates every write against
/// the collection's schema and life before it reaches the log; DDL on the vchannel is exclusive with data.
/// </summary>
public interface IVChannelGrain : IGrainWithStringKey
{
    // requestId: the same for every attempt of one client request, so that a retry logged twice is delivered once.
    // txnId: 0 for a write of its own, or a transaction begun with BeginTransactionAsync that the write joins.
    // retry: a later attempt of the request. A write of its own answers it with the first attempt's outcome (the keys it
    // stored, its timestamp) when that one was logged: in flight, done here, or found in the log after a failover.

    /// <summary>Inserts <paramref name="rows"/> (all of this shard) into <paramref name="partition"/>.</summary>
    [ClientFacing]
    Task<WriteResult> InsertAsync(long collectionId, string partition, RowBatch rows, Guid requestId, long txnId = 0, bool retry = false);

    /// <summary>Replaces the rows with the keys of <paramref name="rows"/>, or inserts them.</summary>
    [ClientFacing]
    Task<WriteResult> UpsertAsync(long collectionId, string partition, RowBatch rows, Guid requestId, long txnId = 0, bool retry = false);

    /// <summary>Deletes <paramref name="keys"/> (all of this shard) from <paramref name="partition"/>, or from every partition if null.</summary>
    [ClientFacing]
    Task<WriteResult> DeleteAsync(long collectionId, string? partition, PrimaryKeys keys, Guid requestId, long txnId = 0, bool retry = false);

    /// <summary>
    /// Begins a transaction on this vchannel and returns its id. Its writes become visible together at its commit;
    /// readers give it up when it goes <paramref name="keepAlive"/> without a write or keep-alive.
    /// </summary>
    [ClientFacing]
    Task<long> BeginTransactionAsync(long collectionId, TimeSpan keepAlive, Guid requestId);

    /// <summary>Commits a transaction: its writes become visible at the returned timestamp, with the count of rows and keys.</summary>
    [ClientFacing]
    Task<WriteResult> CommitTransactionAsync(long txnId, Guid requestId);

    /// <summary>Rolls a transaction back; nothing of it becomes visible. Does nothing if it is not open.</summary>
    [ClientFacing]
    Task RollbackTransactionAsync(long txnId, Guid requestId);

    /// <summary>Tells readers the transaction's writer is still there.</summary>
    [ClientFacing]
    Task KeepTransactionAliveAsync(long txnId);

    /// <summary>
    /// Writes a flush barrier and returns once history holds everything written to this vchannel before it: the
    /// barrier's timestamp and the ids of the segments it sealed.
    /// </summary>
    [ClientFacing]
    Task<FlushResult> FlushAsync(long collectionId, Guid requestId);

    /// <summary>How far this vchannel is on its way into history.</summary>
    [ClientFacing]
    Task<VChannelProgress> GetProgressAsync();

    /// <summary>Writes a DDL message for the catalog and applies it to the vchannel's state. Not for clients.</summary>
    Task<HybridTimestamp> ApplyDdlAsync(WalMessage ddl);
}
