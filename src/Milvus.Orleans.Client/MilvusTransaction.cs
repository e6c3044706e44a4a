using Milvus.Orleans.Channels;
using Milvus.Orleans.Data;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Client;

/// <summary>
/// A transaction on one shard (vchannel) of a collection: its inserts, upserts and deletes become visible together
/// at <see cref="CommitAsync"/>, at the commit's timestamp, or never. While open it tells the service, every third
/// of its keep-alive, that its writer is alive; one silent for its whole keep-alive (its client died) is given up
/// by every reader. Disposing an open transaction rolls it back. A move of the shard's pchannel to another silo
/// ends it with <see cref="ErrorCode.TransactionNotFound"/>: begin a new one and write again.
/// </summary>
public sealed class MilvusTransaction : IAsyncDisposable
{
    private readonly MilvusClient _client;
    private readonly CollectionInfo _collection;
    private readonly IVChannelGrain _vchannel;
    private readonly ITimer _keepAlive;
    private State _state;

    internal MilvusTransaction(MilvusClient client, CollectionInfo collection, int shard, IVChannelGrain vchannel, long id, TimeSpan keepAlive, TimeProvider time)
    {
        _client = client;
        _collection = collection;
        _vchannel = vchannel;
        Shard = shard;
        Id = id;
        var period = keepAlive / 3;
        _keepAlive = time.CreateTimer(_ => _ = SendKeepAliveAsync(), null, period, period);
    }

    private enum State
    {
        Open,
        Committed,
        RolledBack,
    }

    /// <summary>The transaction's id on its vchannel.</summary>
    public long Id { get; }

    /// <summary>The shard it writes to; every key it writes must belong to it.</summary>
    public int Shard { get; }

    /// <summary>The collection it writes to.</summary>
    public string Collection => _collection.Name;

    /// <summary>Inserts rows into the transaction; an AutoId collection's assigned keys are returned in row order.</summary>
    public Task<WriteResult> InsertAsync(RowBatch rows, string? partition = null, CancellationToken cancellationToken = default) =>
        WriteRowsAsync(rows, partition, upsert: false, cancellationToken);

    /// <summary>Replaces rows with the same keys, or inserts them, in the transaction.</summary>
    public Task<WriteResult> UpsertAsync(RowBatch rows, string? partition = null, CancellationToken cancellationToken = default) =>
        WriteRowsAsync(rows, partition, upsert: true, cancellationToken);

    /// <summary>Deletes rows by key in the transaction, from <paramref name="partition"/> or every partition.</summary>
    public Task<WriteResult> DeleteAsync(PrimaryKeys keys, string? partition = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        EnsureOpen();
        keys.Validate(_collection.Schema);
        CheckShard(keys.Values);
        var requestId = Guid.NewGuid();
        return _client.RetryAsync(() => _vchannel.DeleteAsync(_collection.Id, partition, keys, requestId, Id), cancellationToken, idempotent: true);
    }

    /// <summary>Makes every write of the transaction visible at once; returns the count of rows and keys and the commit's timestamp.</summary>
    public async Task<WriteResult> CommitAsync(CancellationToken cancellationToken = default)
    {
        EnsureOpen();
        var requestId = Guid.NewGuid();
        var result = await _client.RetryAsync(() => _vchannel.CommitTransactionAsync(Id, requestId), cancellationToken, idempotent: true).ConfigureAwait(false);
        await End(State.Committed).ConfigureAwait(false);
        return _client.Wrote(result);
    }

    /// <summary>Discards every write of the transaction.</summary>
    public async Task RollbackAsync(CancellationToken cancellationToken = default)
    {
        EnsureOpen();
        await End(State.RolledBack).ConfigureAwait(false);
        var requestId = Guid.NewGuid();
        await _client.RetryAsync(async () =>
        {
            await _vchannel.RollbackTransactionAsync(Id, requestId).ConfigureAwait(false);
            return true;
        }, cancellationToken, idempotent: true).ConfigureAwait(false);
    }

    /// <summary>Rolls the transaction back if it is still open.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_state == State.Open)
            {
                await RollbackAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is MilvusException or OrleansException or TimeoutException)
        {
            // Unreachable now: without keep-alives the transaction expires, which rolls it back all the same.
        }
        finally
        {
            await _keepAlive.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<WriteResult> WriteRowsAsync(RowBatch rows, string? partition, bool upsert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        EnsureOpen();
        rows.Validate(_collection.Schema);
        var key = _collection.Schema.PrimaryKey;
        if (!key.AutoId)
        {
            CheckShard(rows.Column(key.Name)!.Values);
        }

        partition ??= Names.DefaultPartition;
        var requestId = Guid.NewGuid();
        return await _client.RetryAsync(
            () => upsert ? _vchannel.UpsertAsync(_collection.Id, partition, rows, requestId, Id) : _vchannel.InsertAsync(_collection.Id, partition, rows, requestId, Id),
            cancellationToken,
            idempotent: true).ConfigureAwait(false);
    }

    private void CheckShard(Array keys)
    {
        var shards = ShardRouter.ShardsOf(keys, _collection.VChannels.Count);
        var wrong = Array.FindIndex(shards, s => s != Shard);
        if (wrong >= 0)
        {
            throw new MilvusException(
                ErrorCode.InvalidArgument,
                $"Collection '{_collection.Name}': key {wrong} belongs to shard {shards[wrong]}, but this transaction covers shard {Shard} only; ShardRouter tells a key's shard.");
        }
    }

    private void EnsureOpen()
    {
        if (_state != State.Open)
        {
            throw new InvalidOperationException($"Transaction {Id} was {(_state == State.Committed ? "committed" : "rolled back")}; begin a new one.");
        }
    }

    private ValueTask End(State state)
    {
        _state = state;
        return _keepAlive.DisposeAsync();
    }

    private async Task SendKeepAliveAsync()
    {
        try
        {
            await _vchannel.KeepTransactionAliveAsync(Id).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MilvusException or OrleansException or TimeoutException)
        {
            // The next write or the commit reports what became of the transaction.
        }
    }
}
