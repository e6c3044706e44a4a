using Microsoft.Extensions.Options;
using Milvus.Orleans.Channels;
using Milvus.Orleans.Data;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Streaming.Configuration;
using Milvus.Orleans.Streaming.Placement;
using Milvus.Orleans.Streaming.Recovery;
using Milvus.Orleans.Streaming.Tso;
using Milvus.Orleans.Streaming.Wal;
using Milvus.Orleans.Wal.Storage;
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
    RunningRecoveries running,
    IWalStorage storage,
    MessageCodec codec,
    ILocalSiloDetails silo,
    IOptions<MessageOptions> messageOptions,
    TimeProvider time) : Grain, IVChannelGrain
{
    private static readonly TimeSpan MinKeepAlive = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxKeepAlive = TimeSpan.FromHours(1);
    private readonly DdlGate _gate = new();
    private readonly Dictionary<long, ClientTransaction> _transactions = [];
    private readonly RequestOutcomes _writes = new(time);
    private CollectionInfo? _collection;
    private HybridTimestamp _lastWrite;

    private string VChannel => this.GetPrimaryKeyString();

    private IWalGrain Wal => GrainFactory.GetGrain<IWalGrain>(ChannelNames.PChannelOf(VChannel));

    private IRecoveryGrain Recovery => GrainFactory.GetGrain<IRecoveryGrain>(ChannelNames.PChannelOf(VChannel));

    public Task<WriteResult> InsertAsync(long collectionId, string partition, RowBatch rows, Guid requestId, long txnId = 0, bool retry = false) =>
        InTransactionAsync(txnId, collectionId, requestId, retry, () => WriteRowsAsync(MessageKind.Insert, collectionId, partition, rows, requestId, txnId));

    public Task<WriteResult> UpsertAsync(long collectionId, string partition, RowBatch rows, Guid requestId, long txnId = 0, bool retry = false) =>
        InTransactionAsync(txnId, collectionId, requestId, retry, () => WriteRowsAsync(MessageKind.Upsert, collectionId, partition, rows, requestId, txnId));

    public Task<WriteResult> DeleteAsync(long collectionId, string? partition, PrimaryKeys keys, Guid requestId, long txnId = 0, bool retry = false) =>
        InTransactionAsync(txnId, collectionId, requestId, retry, async () =>
        {
            ArgumentNullException.ThrowIfNull(keys);
            using var entered = await _gate.EnterDataAsync().ConfigureAwait(true);
            var collection = await WritableAsync(collectionId, partition).ConfigureAwait(true);
            keys.Validate(collection.Schema);
            CheckShard(collection, keys.Values);

            var messages = Split(collectionId, partition, requestId, txnId, keys.EstimatedBytes, keys.Count, (start, count, txn) =>
                new WalMessage(MessageKind.Delete, VChannel, collectionId, partition, Keys: count == keys.Count ? keys : keys.Slice(start, count), TxnId: txn, RequestId: requestId));
            var ts = await AppendAsync(messages, txnId).ConfigureAwait(true);
            return new WriteResult(keys.Count, ts);
        });

    public async Task<long> BeginTransactionAsync(long collectionId, TimeSpan keepAlive, Guid requestId)
    {
        if (keepAlive < MinKeepAlive || keepAlive > MaxKeepAlive)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"A transaction's keep-alive of {keepAlive} is out of range: allowed {MinKeepAlive}..{MaxKeepAlive}.");
        }

        ForgetOldTransactions();
        if (_transactions.Values.FirstOrDefault(t => t.BeginRequest == requestId) is { } begun)
        {
            return begun.Id;
        }

        using var entered = await _gate.EnterDataAsync().ConfigureAwait(true);
        await WritableAsync(collectionId, null).ConfigureAwait(true);
        var txnId = Random.Shared.NextInt64(1, long.MaxValue);
        var results = await Wal.AppendAsync(
            [new WalMessage(MessageKind.BeginTxn, VChannel, collectionId, TxnId: txnId, RequestId: requestId, TxnKeepAliveMs: (long)keepAlive.TotalMilliseconds)]).ConfigureAwait(true);
        _transactions[txnId] = new ClientTransaction(txnId, collectionId, requestId, keepAlive, results[^1].Ts, time.GetUtcNow());
        return txnId;
    }

    public Task<WriteResult> CommitTransactionAsync(long txnId, Guid requestId)
    {
        var txn = Transaction(txnId);
        return txn.RunAsync(requestId, time.GetUtcNow(), async () =>
        {
            using var entered = await _gate.EnterDataAsync().ConfigureAwait(true);
            await WritableAsync(txn.CollectionId, null).ConfigureAwait(true);
            var ts = await AppendAsync([new WalMessage(MessageKind.CommitTxn, VChannel, txn.CollectionId, TxnId: txnId, RequestId: requestId)], txnId).ConfigureAwait(true);
            txn.Close();
            return txn.Committed(ts);
        });
    }

    public async Task RollbackTransactionAsync(long txnId, Guid requestId)
    {
        if (!_transactions.TryGetValue(txnId, out var txn) || txn.IsClosed)
        {
            return;
        }

        try
        {
            await txn.RunAsync(requestId, time.GetUtcNow(), async () =>
            {
                var ts = await AppendAsync([new WalMessage(MessageKind.RollbackTxn, VChannel, txn.CollectionId, TxnId: txnId, RequestId: requestId)], txnId).ConfigureAwait(true);
                txn.Close();
                return new WriteResult(0, ts);
            }).ConfigureAwait(true);
        }
        catch (MilvusException ex) when (ex.Code is ErrorCode.TransactionExpired or ErrorCode.TransactionNotFound)
        {
            // Given up or closed already: nothing of it is visible, which is what a rollback asks for.
        }
    }

    public Task KeepTransactionAliveAsync(long txnId)
    {
        var txn = Transaction(txnId);
        return txn.KeepAliveAsync(time.GetUtcNow(), async () =>
        {
            var results = await Wal.AppendAsync([new WalMessage(MessageKind.TxnKeepAlive, VChannel, txn.CollectionId, TxnId: txnId)]).ConfigureAwait(true);
            return results[^1].Ts;
        });
    }

    public async Task<FlushResult> FlushAsync(long collectionId, Guid requestId)
    {
        var started = time.GetTimestamp();
        AppendResult barrier;
        using (await _gate.EnterDataAsync().ConfigureAwait(true))
        {
            await WritableAsync(collectionId, null).ConfigureAwait(true);
            var results = await Wal.AppendAsync([new WalMessage(MessageKind.Flush, VChannel, collectionId, RequestId: requestId)]).ConfigureAwait(true);
            barrier = results[^1];
        }

        var segments = await Recovery.WaitFlushedAsync(VChannel, barrier.Id).ConfigureAwait(true);
        RecoveryMetrics.FlushDuration.Record(time.GetElapsedTime(started).TotalMilliseconds);
        return new FlushResult(barrier.Ts, segments);
    }

    public async Task<VChannelProgress> GetProgressAsync()
    {
        await EnsureOwnedAsync().ConfigureAwait(true);
        var progress = await Recovery.GetProgressAsync(VChannel).ConfigureAwait(true);
        // The recovery grain knows what it has read; a write just acknowledged may not be read yet.
        return _lastWrite > progress.LastWrite ? progress with { LastWrite = _lastWrite } : progress;
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

    private Task<WriteResult> InTransactionAsync(long txnId, long collectionId, Guid requestId, bool retry, Func<Task<WriteResult>> write)
    {
        if (txnId == 0)
        {
            return _writes.RunAsync(requestId, retry, write, () => LoggedAsync(requestId));
        }

        var txn = Transaction(txnId);
        if (txn.CollectionId != collectionId)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"Transaction {txnId} is on collection {txn.CollectionId}, not {collectionId}.");
        }

        return txn.RunAsync(requestId, time.GetUtcNow(), async () =>
        {
            var result = await write().ConfigureAwait(true);
            txn.AddWritten(result.Count);
            return result;
        });
    }

    private ClientTransaction Transaction(long txnId) =>
        _transactions.TryGetValue(txnId, out var txn)
            ? txn
            : throw new MilvusException(
                ErrorCode.TransactionNotFound,
                $"Transaction {txnId} is not open on vchannel '{VChannel}': it was never begun here, or ended long ago, or the vchannel moved to another silo (which ends its transactions).");

    /// <summary>Forgets transactions silent past their keep-alive, and closed ones once no retry of theirs can come.</summary>
    private void ForgetOldTransactions()
    {
        var now = time.GetUtcNow();
        foreach (var txn in _transactions.Values.Where(t => now - t.LastActivity > (t.IsClosed ? RequestDeduplicator.DefaultWindow : t.KeepAlive)).ToArray())
        {
            _transactions.Remove(txn.Id);
        }
    }

    /// <summary>
    /// The outcome of request <paramref name="requestId"/>'s first copy if the log holds one (found by the pchannel's
    /// recovery, which replayed the log up to its durable end before the log took writes): its rows or keys counted, its
    /// timestamp, and the keys it stored. Null when no copy was logged within the dedup window.
    /// </summary>
    private async Task<WriteResult?> LoggedAsync(Guid requestId)
    {
        var (pchannel, collectionId, _) = ChannelNames.ParseVChannel(VChannel);
        _collection ??= await GrainFactory.GetGrain<ICatalogGrain>(0).GetCollectionAsync(collectionId).ConfigureAwait(true);
        // Opens the log here, if it is not open yet: the recovery has then taken everything durable.
        await Wal.GetStateAsync().ConfigureAwait(true);
        if (running.Find(pchannel)?.FindRequest(VChannel, requestId) is not { } seen)
        {
            return null;
        }

        var count = 0;
        List<long>? keys = null;
        await foreach (var record in storage.ReadAsync(pchannel, new WalPosition(seen.From), follow: false, CancellationToken.None).ConfigureAwait(true))
        {
            if (record.Id.Value > seen.At)
            {
                break;
            }

            var message = codec.Decode(record);
            var body = message.Message;
            if (body.RequestId != requestId || !string.Equals(body.VChannel, VChannel, StringComparison.Ordinal) || body.TxnId != seen.TxnId)
            {
                continue;
            }

            count += body.Rows?.RowCount ?? body.Keys?.Count ?? 0;
            if (AssignedKeys(body) is { } assigned)
            {
                (keys ??= []).AddRange(assigned);
            }

            if (record.Id.Value == seen.At)
            {
                return new WriteResult(count, message.Ts, keys?.ToArray());
            }
        }

        return null;
    }

    /// <summary>The keys an insert into an AutoId collection was given, or null.</summary>
    private long[]? AssignedKeys(WalMessage body) =>
        body.Kind == MessageKind.Insert && body.Rows is { } rows && _collection?.Schema.PrimaryKey is { AutoId: true } key
            ? rows.Column(key.Name)?.Values as long[]
            : null;

    /// <summary>Appends; for a transaction's messages, checks it was still alive. Returns the last timestamp.</summary>
    private async Task<HybridTimestamp> AppendAsync(List<WalMessage> messages, long txnId)
    {
        var results = await Wal.AppendAsync(messages).ConfigureAwait(true);
        if (txnId != 0)
        {
            Transaction(txnId).Logged(results[0].Ts, results[^1].Ts);
        }

        // A transaction's writes count once its commit makes them visible.
        if ((txnId == 0 || messages[^1].Kind == MessageKind.CommitTxn) && results[^1].Ts > _lastWrite)
        {
            _lastWrite = results[^1].Ts;
        }

        return results[^1].Ts;
    }

    private async Task<WriteResult> WriteRowsAsync(MessageKind kind, long collectionId, string partition, RowBatch rows, Guid requestId, long txnId)
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
            if (kind == MessageKind.Upsert)
            {
                rows = rows.LastPerKey(key.Name);
            }
        }

        var messages = Split(collectionId, partition, requestId, txnId, rows.EstimatedBytes, rows.RowCount, (start, count, txn) =>
            new WalMessage(kind, VChannel, collectionId, partition, count == rows.RowCount ? rows : rows.Slice(start, count), TxnId: txn, RequestId: requestId));
        var ts = await AppendAsync(messages, txnId).ConfigureAwait(true);
        return new WriteResult(rows.RowCount, ts, assigned);
    }

    /// <summary>
    /// One message, or chunks of at most MaxBytes (<paramref name="chunk"/> makes the message of items start..start+count
    /// in a transaction). A write of its own is wrapped in Begin/Commit so readers see all of it or nothing; inside a
    /// client's transaction the chunks just join it.
    /// </summary>
    private List<WalMessage> Split(
        long collectionId, string? partition, Guid requestId, long txnId, long bytes, int items, Func<int, int, long, WalMessage> chunk)
    {
        var maxBytes = messageOptions.Value.MaxBytes;
        if (bytes <= maxBytes)
        {
            return [chunk(0, items, txnId)];
        }

        var ownTransaction = txnId == 0;
        var txn = ownTransaction ? Random.Shared.NextInt64(1, long.MaxValue) : txnId;
        var perChunk = (int)Math.Max(1, maxBytes * (long)items / bytes);
        var messages = new List<WalMessage>();
        if (ownTransaction)
        {
            messages.Add(new(MessageKind.BeginTxn, VChannel, collectionId, partition, TxnId: txn, RequestId: requestId));
        }

        for (var start = 0; start < items; start += perChunk)
        {
            messages.Add(chunk(start, Math.Min(perChunk, items - start), txn));
        }

        if (ownTransaction)
        {
            messages.Add(new WalMessage(MessageKind.CommitTxn, VChannel, collectionId, partition, TxnId: txn, RequestId: requestId));
        }

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
