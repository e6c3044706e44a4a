using Microsoft.Extensions.DependencyInjection;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Milvus.Orleans.Channels;
using Milvus.Orleans.Data;
using Milvus.Orleans.Expressions;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Client;

/// <summary>
/// The entry point of the SDK: every operation of the service, as async methods over the Orleans client. Writes
/// are checked here against the collection's schema, routed to their shards by primary key, and retried while a
/// channel moves between silos (<see cref="ErrorCode.ChannelNotReady"/>, <see cref="ErrorCode.WrongTerm"/>,
/// <see cref="ErrorCode.Fenced"/>) until <see cref="RetryDeadline"/>.
/// </summary>
public sealed partial class MilvusClient(IClusterClient cluster, TimeProvider? timeProvider = null)
{
    private static readonly TimeSpan DefaultTransactionKeepAlive = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, (CollectionInfo Info, long DescribedAt)> _collections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _refreshing = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>Signals a silo going (registered by <see cref="MilvusClientHostingExtensions.AddMilvusClusterChanges"/>), or null.</summary>
    private readonly ClusterChanges? _changes = cluster.ServiceProvider.GetService<ClusterChanges>();

    /// <summary>How long a call keeps retrying while a channel moves; 30 s by default.</summary>
    public TimeSpan RetryDeadline { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long one attempt of a write or a read may take before it is given up and sent again (10 s by default).
    /// Safe for writes because every attempt carries the same request id and readers deliver a request once, and
    /// for reads because they change nothing; it bounds how long a call waits on a request lost with a killed silo.
    /// </summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the SDK trusts a collection's description before it asks the catalog again, in the background (5 s by
    /// default): bounds how long a rename, an alias moved or a collection dropped and created again by another client
    /// goes unseen here, while the catalog answers.
    /// </summary>
    public TimeSpan DescriptionLifetime { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a subscription waits for its reader before it reads from another one; 10 s by default.</summary>
    public TimeSpan ReaderSilence { get; init; } = TimeSpan.FromSeconds(10);

    private ICatalogGrain Catalog => cluster.GetGrain<ICatalogGrain>(0);

    /// <summary>A fresh hybrid timestamp from the cluster's oracle, above every one handed out before.</summary>
    public Task<HybridTimestamp> AllocateTimestampAsync(CancellationToken cancellationToken = default) =>
        RetryAsync(cluster.GetGrain<ITsoGrain>(0).NextAsync, cancellationToken, idempotent: true);

    /// <summary>The silos of the cluster as its membership table lists them.</summary>
    /// <param name="onlyActive">Only silos that are active now.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<SiloMember>> GetSilosAsync(bool onlyActive = true, CancellationToken cancellationToken = default)
    {
        var hosts = await RetryAsync(() => cluster.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive, cancellationToken), cancellationToken, idempotent: true)
            .ConfigureAwait(false);
        return [.. hosts
            .Select(h => new SiloMember(h.SiloAddress.ToParsableString(), h.SiloName, h.Status.ToString(), h.StartTime))
            .OrderBy(s => s.Address, StringComparer.Ordinal)];
    }

    /// <summary>Which silo owns each pchannel, with its term.</summary>
    public Task<ChannelTopology> GetTopologyAsync(CancellationToken cancellationToken = default) =>
        RetryAsync(cluster.GetGrain<IStreamingCoordinatorGrain>(0).GetTopologyAsync, cancellationToken, idempotent: true);

    /// <summary>Creates a collection; its schema is checked first and every problem is named.</summary>
    public Task<CollectionInfo> CreateCollectionAsync(CollectionSchema schema, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schema);
        schema.Validate();
        return RetryAsync(() => Catalog.CreateCollectionAsync(schema), cancellationToken);
    }

    /// <summary>Drops a collection; writes to it fail from then on.</summary>
    public async Task DropCollectionAsync(string name, CancellationToken cancellationToken = default)
    {
        await RetryAsync(async () =>
        {
            await Catalog.DropCollectionAsync(name).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        _collections.TryRemove(name, out _);
    }

    /// <summary>Names of the collections, sorted.</summary>
    public Task<IReadOnlyList<string>> ListCollectionsAsync(CancellationToken cancellationToken = default) =>
        RetryAsync(Catalog.ListCollectionsAsync, cancellationToken, idempotent: true);

    /// <summary>The collection's schema, partitions and vchannels.</summary>
    public async Task<CollectionInfo> DescribeCollectionAsync(string name, CancellationToken cancellationToken = default)
    {
        var info = await RetryAsync(() => Catalog.DescribeCollectionAsync(name), cancellationToken, idempotent: true).ConfigureAwait(false);
        Remember(name, info);
        return info;
    }

    /// <summary>Adds a partition to a collection.</summary>
    public async Task CreatePartitionAsync(string collection, string partition, CancellationToken cancellationToken = default) =>
        Remember(collection, await RetryAsync(() => Catalog.CreatePartitionAsync(collection, partition), cancellationToken).ConfigureAwait(false));

    /// <summary>Removes a partition from a collection.</summary>
    public async Task DropPartitionAsync(string collection, string partition, CancellationToken cancellationToken = default) =>
        Remember(collection, await RetryAsync(() => Catalog.DropPartitionAsync(collection, partition), cancellationToken).ConfigureAwait(false));

    /// <summary>Names of a collection's partitions, the default one first.</summary>
    public async Task<IReadOnlyList<string>> ListPartitionsAsync(string collection, CancellationToken cancellationToken = default) =>
        (await DescribeCollectionAsync(collection, cancellationToken).ConfigureAwait(false)).Partitions;

    /// <summary>
    /// Inserts rows; returns once they are durable. An AutoId collection's keys are assigned by the service and
    /// returned in row order. In a collection with a dynamic field, each row's undeclared keys travel as one JSON object
    /// in column <see cref="CollectionSchema.DynamicFieldName"/>; without that column every row gets an empty one.
    /// </summary>
    public Task<WriteResult> InsertAsync(string collection, RowBatch rows, string? partition = null, CancellationToken cancellationToken = default) =>
        WriteRowsAsync(collection, rows, partition, upsert: false, cancellationToken);

    /// <summary>Replaces the rows with the same primary keys, or inserts them; returns once durable.</summary>
    public Task<WriteResult> UpsertAsync(string collection, RowBatch rows, string? partition = null, CancellationToken cancellationToken = default) =>
        WriteRowsAsync(collection, rows, partition, upsert: true, cancellationToken);

    /// <summary>Deletes rows by primary key, from <paramref name="partition"/> or from every partition; returns once durable.</summary>
    public async Task<WriteResult> DeleteAsync(string collection, PrimaryKeys keys, string? partition = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var info = await CollectionAsync(collection, cancellationToken).ConfigureAwait(false);
        keys.Validate(info.Schema);
        var shardOf = ShardRouter.ShardsOf(keys.Values, info.VChannels.Count);
        var byShard = Enumerable.Range(0, keys.Count)
            .GroupBy(i => shardOf[i])
            .Select(g => (Shard: g.Key, Keys: keys.Select([.. g])))
            .ToArray();
        var results = await Task.WhenAll(byShard.Select(s =>
        {
            var requestId = Guid.NewGuid();
            var attempts = 0;
            return RetryAsync(
                () => cluster.GetGrain<IVChannelGrain>(info.VChannels[s.Shard]).DeleteAsync(info.Id, partition, s.Keys, requestId, retry: attempts++ > 0),
                cancellationToken,
                idempotent: true);
        })).ConfigureAwait(false);
        return Wrote(new WriteResult(results.Sum(r => r.Count), results.Max(r => r.Ts)));
    }

    /// <summary>
    /// Begins a transaction on shard <paramref name="shard"/> of <paramref name="collection"/>: its writes become
    /// visible together at its commit, or never (see <see cref="MilvusTransaction"/>). Readers give it up after
    /// <paramref name="keepAlive"/> (30 s by default; 1 s to 1 h) without a write or keep-alive.
    /// </summary>
    public async Task<MilvusTransaction> BeginTransactionAsync(
        string collection, int shard = 0, TimeSpan? keepAlive = null, CancellationToken cancellationToken = default)
    {
        var info = await CollectionAsync(collection, cancellationToken).ConfigureAwait(false);
        if (shard < 0 || shard >= info.VChannels.Count)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"Collection '{collection}' has shards 0..{info.VChannels.Count - 1}, not {shard}.");
        }

        var alive = keepAlive ?? DefaultTransactionKeepAlive;
        var vchannel = cluster.GetGrain<IVChannelGrain>(info.VChannels[shard]);
        var requestId = Guid.NewGuid();
        var id = await RetryAsync(() => vchannel.BeginTransactionAsync(info.Id, alive, requestId), cancellationToken, idempotent: true).ConfigureAwait(false);
        return new MilvusTransaction(this, info, shard, vchannel, id, alive, _time);
    }

    /// <summary>
    /// Deletes the rows matching <paramref name="expression"/> (Milvus' boolean expression syntax), after checking it
    /// against the schema (an error names its position). Expressions over the primary key alone (<c>id in [1, 2]</c>,
    /// <c>id == 3</c>, joined by <c>or</c>) are deleted directly; any other is first resolved to the keys of the rows it
    /// matches now (a <see cref="Query.ConsistencyLevel.Strong"/> query; in <paramref name="partition"/> only, when
    /// given), which are then deleted. Deleted keys are hidden in every partition: primary keys are unique across a
    /// collection, as upserts assume.
    /// </summary>
    public async Task<WriteResult> DeleteAsync(string collection, string expression, string? partition = null, CancellationToken cancellationToken = default)
    {
        var info = await CollectionAsync(collection, cancellationToken).ConfigureAwait(false);
        var filter = PrimaryKeyFilter.Parse(expression, info.Schema);
        var partitions = partition is null ? null : await PartitionIdsAsync(info, [partition], cancellationToken).ConfigureAwait(false);
        var keys = PrimaryKeyFilter.Keys(filter, info.Schema) ?? await MatchingKeysAsync(info, expression, partitions, cancellationToken).ConfigureAwait(false);
        return keys.Count == 0 ? new WriteResult(0, default) : await DeleteAsync(collection, keys, partition, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Flushes a collection: returns once history holds every write to it acknowledged before the call, with the
    /// barrier's timestamp and the ids of the segments the flush sealed. Other collections' data is not flushed.
    /// </summary>
    public async Task<FlushResult> FlushAsync(string collection, CancellationToken cancellationToken = default)
    {
        var info = await CollectionAsync(collection, cancellationToken).ConfigureAwait(false);
        var shards = await Task.WhenAll(info.VChannels.Select(vchannel =>
        {
            var requestId = Guid.NewGuid();
            return RetryAsync(() => cluster.GetGrain<IVChannelGrain>(vchannel).FlushAsync(info.Id, requestId), cancellationToken);
        })).ConfigureAwait(false);
        return new FlushResult(shards.Max(r => r.Ts), [.. shards.SelectMany(r => r.SegmentIds)]);
    }

    /// <summary>Flushes every collection (see <see cref="FlushAsync(string, CancellationToken)"/>), by name.</summary>
    public async Task<IReadOnlyDictionary<string, FlushResult>> FlushAsync(CancellationToken cancellationToken = default)
    {
        var names = await ListCollectionsAsync(cancellationToken).ConfigureAwait(false);
        var results = await Task.WhenAll(names.Select(name => FlushAsync(name, cancellationToken))).ConfigureAwait(false);
        return names.Zip(results).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
    }

    /// <summary>
    /// How far each shard of a collection is on its way into history (index = shard): ① its last write, ② applied
    /// to memory, ③ persisted. A shard is flushed when ③ ≥ ①.
    /// </summary>
    public async Task<IReadOnlyList<VChannelProgress>> GetFlushStateAsync(string collection, CancellationToken cancellationToken = default)
    {
        var info = await CollectionAsync(collection, cancellationToken).ConfigureAwait(false);
        return await Task.WhenAll(info.VChannels.Select(vchannel =>
            RetryAsync(cluster.GetGrain<IVChannelGrain>(vchannel).GetProgressAsync, cancellationToken, idempotent: true))).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts compacting a collection's history unless a compaction of it runs (small segments merged, segments with
    /// many deleted or expired rows written again; reads move to the new segments as each is ready) and returns its
    /// state at once; follow it with <see cref="GetCompactionStateAsync"/>.
    /// </summary>
    public async Task<CompactionState> CompactAsync(string collection, CancellationToken cancellationToken = default)
    {
        var info = await CollectionAsync(collection, cancellationToken).ConfigureAwait(false);
        return await RetryAsync(cluster.GetGrain<ICompactionGrain>(info.Id).CompactAsync, cancellationToken, idempotent: true).ConfigureAwait(false);
    }

    /// <summary>The state of a collection's running or last compaction (<see cref="CompactionPhase.Idle"/> when none ran).</summary>
    public async Task<CompactionState> GetCompactionStateAsync(string collection, CancellationToken cancellationToken = default)
    {
        var info = await CollectionAsync(collection, cancellationToken).ConfigureAwait(false);
        return await RetryAsync(cluster.GetGrain<ICompactionGrain>(info.Id).GetStateAsync, cancellationToken, idempotent: true).ConfigureAwait(false);
    }

    private async Task<WriteResult> WriteRowsAsync(string collection, RowBatch rows, string? partition, bool upsert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var info = await CollectionAsync(collection, cancellationToken).ConfigureAwait(false);
        if (info.Schema.EnableDynamicField && rows.RowCount > 0 && rows.Column(CollectionSchema.DynamicFieldName) is null)
        {
            // Rows without undeclared keys: each row's dynamic field is an empty object.
            rows = rows.With(FieldColumn.Json(CollectionSchema.DynamicFieldName, [.. Enumerable.Repeat("{}", rows.RowCount)]));
        }

        rows.Validate(info.Schema);
        partition ??= Names.DefaultPartition;
        var shards = info.VChannels.Count;
        var key = info.Schema.PrimaryKey;
        // AutoId rows have no key yet: contiguous slices, one per shard, keep the returned keys in row order.
        var parts = key.AutoId
            ? Enumerable.Range(0, shards)
                .Select(s => (Shard: s, Start: rows.RowCount * s / shards, End: rows.RowCount * (s + 1) / shards))
                .Where(p => p.End > p.Start)
                .Select(p => (p.Shard, Rows: rows.Slice(p.Start, p.End - p.Start)))
                .ToArray()
            : [.. ShardRows(rows.Column(key.Name)!, shards).Select(g => (g.Shard, Rows: g.Rows.Count == rows.RowCount ? rows : rows.Select(g.Rows)))];
        var results = await Task.WhenAll(parts.Select(p =>
        {
            // One id for every attempt: a retry whose first attempt was logged after all is delivered once, and answered
            // with the first attempt's outcome (an AutoId insert's keys are those stored).
            var requestId = Guid.NewGuid();
            var vchannel = cluster.GetGrain<IVChannelGrain>(info.VChannels[p.Shard]);
            var attempts = 0;
            return RetryAsync(
                () =>
                {
                    var retry = attempts++ > 0;
                    return upsert
                        ? vchannel.UpsertAsync(info.Id, partition, p.Rows, requestId, retry: retry)
                        : vchannel.InsertAsync(info.Id, partition, p.Rows, requestId, retry: retry);
                },
                cancellationToken,
                idempotent: true);
        })).ConfigureAwait(false);
        var ids = key.AutoId ? results.SelectMany(r => r.AssignedIds ?? []).ToArray() : null;
        return Wrote(new WriteResult(results.Sum(r => r.Count), results.Max(r => r.Ts), ids));
    }

    /// <summary>
    /// Every message of <paramref name="vchannel"/> from <paramref name="start"/> on, and its pchannel's time ticks,
    /// in log (timestamp) order, until cancelled. A committed transaction arrives whole, a rolled-back one never,
    /// and a request a retry logged twice once. When the reading silo dies or the pchannel moves, the subscription
    /// resumes after the last message it delivered, for as long as it is enumerated. A reader that stays silent for
    /// <see cref="ReaderSilence"/> (idle pchannels tick every 200 ms) is taken for lost and replaced. Only an error
    /// that retrying cannot fix ends the subscription.
    /// </summary>
    public async IAsyncEnumerable<LoggedMessage> SubscribeAsync(
        string vchannel, SubscriptionStart start, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var from = start.IsLatest
            ? (await RetryAsync(() => cluster.GetGrain<IWalGrain>(ChannelNames.PChannelOf(vchannel)).GetStateAsync(), cancellationToken, idempotent: true).ConfigureAwait(false)).DurableEnd
            : start.Id;
        var (delivered, deliveredPart) = (start.SkipThrough, start.SkipThroughPart);
        // The reader drops a retried request's second copy only if it read the first; across a resume, this does.
        var requests = new RequestDeduplicator(RequestDeduplicator.DefaultWindow);
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var reading = cluster.GetGrain<IVChannelReaderGrain>(vchannel).ReadAsync(from, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    LoggedMessage message;
                    try
                    {
                        if (!await reading.MoveNextAsync().AsTask().WaitAsync(ReaderSilence, _time, cancellationToken).ConfigureAwait(false))
                        {
                            break;
                        }

                        message = reading.Current;
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not MilvusException { IsTransient: false })
                    {
                        await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                        delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
                        break;
                    }

                    delay = TimeSpan.FromMilliseconds(20);
                    from = message.Next;
                    if (!message.Follows(delivered, deliveredPart) || !requests.IsFirst(message.Message.RequestId, message.Message.TxnId, message.Ts))
                    {
                        continue;
                    }

                    (delivered, deliveredPart) = (message.Id, message.Part);
                    yield return message;
                }
            }
            finally
            {
                try
                {
                    await reading.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OrleansException or TimeoutException)
                {
                    // The reading silo is gone, and its reading with it.
                }
            }
        }
    }

    /// <summary>
    /// Every message of every shard of <paramref name="collection"/> from <paramref name="start"/> on (see
    /// <see cref="SubscribeAsync(string, SubscriptionStart, CancellationToken)"/>), shards interleaved as their
    /// messages arrive, without time ticks. Timestamps increase within each vchannel.
    /// </summary>
    public async IAsyncEnumerable<LoggedMessage> SubscribeCollectionAsync(
        string collection, SubscriptionStart start, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var info = await CollectionAsync(collection, cancellationToken).ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var merged = Channel.CreateBounded<LoggedMessage>(1024);
        var readers = info.VChannels.Select(async vchannel =>
        {
            await foreach (var message in SubscribeAsync(vchannel, start, stop.Token).ConfigureAwait(false))
            {
                if (message.Message.Kind != MessageKind.TimeTick)
                {
                    await merged.Writer.WriteAsync(message, stop.Token).ConfigureAwait(false);
                }
            }
        }).ToArray();
        var completion = Task.WhenAll(readers).ContinueWith(
            t => merged.Writer.TryComplete(t.Exception?.InnerException), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await foreach (var message in merged.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return message;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await completion.ConfigureAwait(false);
        }
    }

    private static IEnumerable<(int Shard, List<int> Rows)> ShardRows(FieldColumn keys, int shards) =>
        ShardRouter.ShardsOf(keys.Values, shards)
            .Select((shard, row) => (Shard: shard, Row: row))
            .GroupBy(p => p.Shard, p => p.Row)
            .Select(g => (g.Key, g.ToList()));

    /// <summary>
    /// The collection's description as this client last saw it: described, then described again in the background
    /// once <see cref="DescriptionLifetime"/> passed, and at once when a call says it changed (not found, dropped) or
    /// this client changes it. <see cref="DescribeCollectionAsync"/> asks the catalog every time.
    /// </summary>
    public Task<CollectionInfo> GetCachedCollectionAsync(string name, CancellationToken cancellationToken = default) =>
        CollectionAsync(name, cancellationToken);

    private async Task<CollectionInfo> CollectionAsync(string name, CancellationToken cancellationToken)
    {
        if (!_collections.TryGetValue(name, out var described))
        {
            return await DescribeCollectionAsync(name, cancellationToken).ConfigureAwait(false);
        }

        if (_time.GetElapsedTime(described.DescribedAt) >= DescriptionLifetime && _refreshing.TryAdd(name, 0))
        {
            _ = RefreshAsync(name);
        }

        return described.Info;
    }

    /// <summary>
    /// Describes a collection again in the background: calls go on with the description they have meanwhile, so reads
    /// and writes never wait on the catalog (which may be moving to another silo) for a description they hold.
    /// </summary>
    private async Task RefreshAsync(string name)
    {
        try
        {
            await DescribeCollectionAsync(name, CancellationToken.None).ConfigureAwait(false);
        }
        catch (MilvusException)
        {
            // Not found drops the cached descriptions (see RetryAsync); after another failure the next call tries again.
        }
        finally
        {
            _refreshing.TryRemove(name, out _);
        }
    }

    /// <summary>Keeps the newest description of a collection, under the name (or alias) a caller used.</summary>
    private void Remember(string name, CollectionInfo info) => _collections[name] = (info, _time.GetTimestamp());

    /// <summary>
    /// Runs <paramref name="call"/> until it succeeds, fails for a reason retrying cannot fix, or <see cref="RetryDeadline"/>
    /// passes; Orleans' own failures never reach the caller: the last transient one becomes <see cref="ErrorCode.Unavailable"/>.
    /// An <paramref name="idempotent"/> call (a write with a request id, or a read) is also sent again when an attempt
    /// outlives <see cref="AttemptTimeout"/> or a silo goes while it is out.
    /// </summary>
    internal async Task<T> RetryAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken, bool idempotent = false)
    {
        try
        {
            return await TransientRetry.RunAsync(
                call,
                RetryDeadline,
                _time,
                cancellationToken,
                idempotent ? AttemptTimeout : null,
                idempotent && _changes is { } changes ? () => changes.Next : null).ConfigureAwait(false);
        }
        catch (MilvusException ex) when (ex.Code is ErrorCode.CollectionNotFound or ErrorCode.CollectionDropped or ErrorCode.PartitionNotFound)
        {
            // The cached description is stale; the next call describes the collection again.
            _collections.Clear();
            throw;
        }
        catch (Exception ex) when (ex is not MilvusException && (TransientRetry.IsTransient(ex) || ex is TimeoutException))
        {
            throw new MilvusException(
                ErrorCode.Unavailable,
                $"The cluster did not answer within {RetryDeadline.TotalSeconds:0} s ({ex.GetType().Name}: {ex.Message}); retry later.",
                ex);
        }
    }
}

/// <summary>One silo of the cluster.</summary>
/// <param name="Address">Orleans silo address (endpoint and generation).</param>
/// <param name="Name">The silo's name.</param>
/// <param name="Status">Membership status: Active, ShuttingDown, Dead, …</param>
/// <param name="StartedAt">When the silo started.</param>
public sealed record SiloMember(string Address, string Name, string Status, DateTime StartedAt);
