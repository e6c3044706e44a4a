using Microsoft.Extensions.Options;
using Milvus.Orleans.Channels;
using Milvus.Orleans.Data;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Streaming.Configuration;
using Milvus.Orleans.Streaming.Placement;
using Milvus.Orleans.Streaming.Tso;
using Orleans.Concurrency;

namespace Milvus.Orleans.Streaming.VChannels;

/// <summary>
/// One shard of one collection. Checks each write against the collection's schema and life (created, not
/// dropped, partition exists, keys belong to this shard) before anything reaches the log, assigns AutoId keys,
/// and splits a write larger than <see cref="MessageOptions.MaxBytes"/> into a transaction.
/// </summary>
[ChannelPlacement]
[Reentrant]
internal sealed class VChannelGrain(
    ChannelDirectory directory,
    TimestampCache tso,
    ILocalSiloDetails silo,
    IOptions<MessageOptions> messageOptions) : Grain, IVChannelGrain
{
    private readonly DdlGate _gate = new();
    private CollectionInfo? _collection;

    private string VChannel => this.GetPrimaryKeyString();

    private IWalGrain Wal => GrainFactory.GetGrain<IWalGrain>(ChannelNames.PChannelOf(VChannel));

    public Task<WriteResult> InsertAsync(long collectionId, string partition, RowBatch rows, Guid requestId) =>
        WriteRowsAsync(MessageKind.Insert, collectionId, partition, rows, requestId);

    public Task<WriteResult> UpsertAsync(long collectionId, string partition, RowBatch rows, Guid requestId) =>
        WriteRowsAsync(MessageKind.Upsert, collectionId, partition, rows, requestId);

    public async Task<WriteResult> DeleteAsync(long collectionId, string? partition, PrimaryKeys keys, Guid requestId)
    {
        ArgumentNullException.ThrowIfNull(keys);
        using var entered = await _gate.EnterDataAsync().ConfigureAwait(true);
        var collection = await WritableAsync(collectionId, partition).ConfigureAwait(true);
        keys.Validate(collection.Schema);
        CheckShard(collection, keys.Values);

        var results = await Wal.AppendAsync([new WalMessage(MessageKind.Delete, VChannel, collectionId, partition, Keys: keys, RequestId: requestId)]).ConfigureAwait(true);
        return new WriteResult(keys.Count, results[^1].Ts);
    }

    public async Task<HybridTimestamp> ApplyDdlAsync(WalMessage ddl)
    {
        ArgumentNullException.ThrowIfNull(ddl);
        if (!ddl.IsDdl || ddl.Collection is null || !string.Equals(ddl.VChannel, VChannel, StringComparison.Ordinal))
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"vchannel '{VChannel}': {ddl.Kind} for '{ddl.VChannel}' is not a DDL message for it.");
        }

        await EnsureOwnedAsync().ConfigureAwait(true);
        using var entered = await _gate.EnterDdlAsync().ConfigureAwait(true);
        var results = await Wal.AppendAsync([ddl]).ConfigureAwait(true);
        // The catalog sends the collection as the DDL leaves it (Dropped for a drop).
        _collection = ddl.Collection;
        return results[^1].Ts;
    }

    private async Task<WriteResult> WriteRowsAsync(MessageKind kind, long collectionId, string partition, RowBatch rows, Guid requestId)
    {
        ArgumentNullException.ThrowIfNull(rows);
        using var entered = await _gate.EnterDataAsync().ConfigureAwait(true);
        var collection = await WritableAsync(collectionId, partition ?? throw new MilvusException(ErrorCode.PartitionNotFound, "No partition given.")).ConfigureAwait(true);
        var schema = collection.Schema;
        rows.Validate(schema);
        var key = schema.PrimaryKey;
        long[]? assigned = null;
        if (key.AutoId)
        {
            if (kind == MessageKind.Upsert)
            {
                throw new MilvusException(ErrorCode.InvalidArgument, $"Collection '{schema.Name}': upsert needs the primary key, but '{key.Name}' is AutoId.");
            }

            // Timestamps are unique cluster-wide, so ranges of them make unique keys (one range per oracle call).
            assigned = new long[rows.RowCount];
            for (var start = 0; start < assigned.Length; start += ITsoGrain.MaxBatch)
            {
                var range = await tso.AllocateAsync(Math.Min(ITsoGrain.MaxBatch, assigned.Length - start), default).ConfigureAwait(true);
                for (var i = 0; i < range.Count; i++)
                {
                    assigned[start + i] = (long)(range.First.Value + (ulong)i);
                }
            }

            rows = rows.With(FieldColumn.Int64(key.Name, assigned));
        }
        else
        {
            CheckShard(collection, rows.Column(key.Name)!.Values);
        }

        var results = await Wal.AppendAsync(Split(kind, collectionId, partition, rows, requestId)).ConfigureAwait(true);
        return new WriteResult(rows.RowCount, results[^1].Ts, assigned);
    }

    /// <summary>One message, or Begin + chunks of at most MaxBytes + Commit, so readers see all of it or nothing.</summary>
    private List<WalMessage> Split(MessageKind kind, long collectionId, string partition, RowBatch rows, Guid requestId)
    {
        var maxBytes = messageOptions.Value.MaxBytes;
        if (rows.EstimatedBytes <= maxBytes)
        {
            return [new WalMessage(kind, VChannel, collectionId, partition, rows, RequestId: requestId)];
        }

        var rowsPerChunk = (int)Math.Max(1, maxBytes * (long)rows.RowCount / rows.EstimatedBytes);
        var txn = Random.Shared.NextInt64(1, long.MaxValue);
        var messages = new List<WalMessage> { new(MessageKind.BeginTxn, VChannel, collectionId, partition, TxnId: txn, RequestId: requestId) };
        for (var start = 0; start < rows.RowCount; start += rowsPerChunk)
        {
            messages.Add(new WalMessage(kind, VChannel, collectionId, partition, rows.Slice(start, Math.Min(rowsPerChunk, rows.RowCount - start)), TxnId: txn, RequestId: requestId));
        }

        messages.Add(new WalMessage(MessageKind.CommitTxn, VChannel, collectionId, partition, TxnId: txn, RequestId: requestId));
        return messages;
    }

    private async Task<CollectionInfo> WritableAsync(long collectionId, string? partition)
    {
        await EnsureOwnedAsync().ConfigureAwait(true);
        var (_, ownCollection, _) = ChannelNames.ParseVChannel(VChannel);
        if (collectionId != ownCollection)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"vchannel '{VChannel}' belongs to collection {ownCollection}, not {collectionId}.");
        }

        _collection ??= await GrainFactory.GetGrain<ICatalogGrain>(0).GetCollectionAsync(collectionId).ConfigureAwait(true);
        var collection = _collection
            ?? throw new MilvusException(ErrorCode.CollectionNotFound, $"Collection {collectionId} does not exist.");
        if (collection.IsDropped)
        {
            throw new MilvusException(ErrorCode.CollectionDropped, $"Collection '{collection.Name}' was dropped; it takes no more writes.");
        }

        if (partition is not null && !collection.HasPartition(partition))
        {
            throw new MilvusException(
                ErrorCode.PartitionNotFound,
                $"Collection '{collection.Name}' has no partition '{partition}'; it has {string.Join(", ", collection.Partitions.Select(p => $"'{p}'"))}.");
        }

        return collection;
    }

    private void CheckShard(CollectionInfo collection, Array keys)
    {
        var shard = Shard(collection);
        var shards = ShardRouter.ShardsOf(keys, collection.VChannels.Count);
        var wrong = Array.FindIndex(shards, s => s != shard);
        if (wrong >= 0)
        {
            throw new MilvusException(
                ErrorCode.InvalidArgument,
                $"Collection '{collection.Name}': key {wrong} belongs to shard {shards[wrong]}, but was sent to shard {shard} ('{VChannel}'); route keys with ShardRouter.");
        }
    }

    private int Shard(CollectionInfo collection)
    {
        for (var i = 0; i < collection.VChannels.Count; i++)
        {
            if (string.Equals(collection.VChannels[i], VChannel, StringComparison.Ordinal))
            {
                return i;
            }
        }

        throw new MilvusException(ErrorCode.InvalidArgument, $"Collection '{collection.Name}' has no vchannel '{VChannel}'.");
    }

    /// <summary>A vchannel left behind on a silo that no longer owns its pchannel sends its callers to the new one.</summary>
    private async Task EnsureOwnedAsync()
    {
        var pchannel = ChannelNames.PChannelOf(VChannel);
        if (directory.Current?.Binding(pchannel) is { } cached && cached.Silo == silo.SiloAddress)
        {
            return;
        }

        // This silo's copy may lag behind a move to here; only the coordinator's word sends callers away.
        var binding = await directory.GetFreshBindingAsync(pchannel).ConfigureAwait(true);
        if (binding is not null && binding.Silo != silo.SiloAddress)
        {
            // Re-placed through the channel placement director, next to its pchannel's new owner.
            this.MigrateOnIdle();
            throw new MilvusException(ErrorCode.ChannelNotReady, $"vchannel '{VChannel}' is moving to silo {binding.Silo?.ToString() ?? "(none)"}; retry.");
        }
    }
}
