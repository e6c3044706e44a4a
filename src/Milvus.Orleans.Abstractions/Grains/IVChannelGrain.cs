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

    /// <summary>Inserts <paramref name="rows"/> (all of this shard) into <paramref name="partition"/>.</summary>
    Task<WriteResult> InsertAsync(long collectionId, string partition, RowBatch rows, Guid requestId);

    /// <summary>Replaces the rows with the keys of <paramref name="rows"/>, or inserts them.</summary>
    Task<WriteResult> UpsertAsync(long collectionId, string partition, RowBatch rows, Guid requestId);

    /// <summary>Deletes <paramref name="keys"/> (all of this shard) from <paramref name="partition"/>, or from every partition if null.</summary>
    Task<WriteResult> DeleteAsync(long collectionId, string? partition, PrimaryKeys keys, Guid requestId);

    /// <summary>Writes a DDL message for the catalog and applies it to the vchannel's state. Not for clients.</summary>
    Task<HybridTimestamp> ApplyDdlAsync(WalMessage ddl);
}
