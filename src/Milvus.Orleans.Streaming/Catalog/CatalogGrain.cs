using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Channels;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Streaming.Configuration;

namespace Milvus.Orleans.Streaming.Catalog;

/// <summary>The catalog's persisted part.</summary>
[GenerateSerializer]
internal sealed class CatalogState
{
    [Id(0)]
    public long NextCollectionId { get; set; } = 1;

    [Id(1)]
    public Dictionary<long, CollectionInfo> Collections { get; set; } = [];

    /// <summary>Where the next collection's first shard goes, so shards spread over pchannels.</summary>
    [Id(2)]
    public int NextPChannel { get; set; }

    [Id(3)]
    public long NextPartitionId { get; set; } = 1;

    /// <summary>Dropped collections and partitions whose history files are still to be deleted.</summary>
    [Id(4)]
    public List<DroppedHistory> DroppedHistory { get; set; } = [];
}

/// <summary>
/// The collections. Non-reentrant, so DDL runs one at a time cluster-wide. Each change is persisted before and
/// after its messages are written to the collection's vchannels, so after a crash a collection is never both
/// usable and half-created, and a dropping collection takes no writes.
/// </summary>
/// <remarks>
/// While silos join or leave, Orleans' directory may briefly hold a second activation, whose state is older than
/// what is stored. So each DDL starts from the stored state, and a lookup that misses reads it again before it
/// answers "not found".
/// </remarks>
internal sealed partial class CatalogGrain(
    [PersistentState("catalog")] IPersistentState<CatalogState> state,
    IOptions<StreamingOptions> options,
    TimeProvider time,
    ILogger<CatalogGrain> logger) : Grain, ICatalogGrain
{
    /// <summary>How long a DDL waits for a moving vchannel.</summary>
    internal static readonly TimeSpan DdlDeadline = TimeSpan.FromSeconds(30);

    /// <summary>DDL under way: its changes are not all stored yet, so the stored state must not replace them.</summary>
    private bool _changing;

    /// <summary>A read of the stored state under way, which concurrent lookups share.</summary>
    private Task? _reloading;

    private IEnumerable<CollectionInfo> Live => state.State.Collections.Values.Where(c => c.State != CollectionState.Dropped);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // State written before partitions had ids: give them ids now, once.
        var withoutIds = state.State.Collections.Values.Where(c => c.PartitionIds?.Count != c.Partitions.Count).ToList();
        foreach (var collection in withoutIds)
        {
            state.State.Collections[collection.Id] = collection with { PartitionIds = [.. collection.Partitions.Select(_ => state.State.NextPartitionId++)] };
        }

        if (withoutIds.Count > 0)
        {
            await state.WriteStateAsync(cancellationToken).ConfigureAwait(true);
        }
    }

    public async Task<CollectionInfo> CreateCollectionAsync(CollectionSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        schema.Validate();
        using var change = await BeginChangeAsync().ConfigureAwait(true);
        if (Find(schema.Name) is { } existing)
        {
            throw Taken(schema.Name, existing);
        }

        if (Live.Count() >= ICatalogGrain.MaxCollections)
        {
            throw new MilvusException(ErrorCode.LimitExceeded, $"The cluster holds {ICatalogGrain.MaxCollections} collections, the most it takes; drop one before creating '{schema.Name}'.");
        }

        var id = state.State.NextCollectionId++;
        var pchannels = options.Value.PChannels;
        var vchannels = Enumerable.Range(0, schema.ShardCount)
            .Select(shard => ChannelNames.VChannel(ChannelNames.PChannel((state.State.NextPChannel + shard) % pchannels), id, shard))
            .ToArray();
        state.State.NextPChannel = (state.State.NextPChannel + schema.ShardCount) % pchannels;
        var creating = new CollectionInfo(id, schema, vchannels, [Names.DefaultPartition], CollectionState.Creating, [state.State.NextPartitionId++]);
        state.State.Collections[id] = creating;
        await state.WriteStateAsync().ConfigureAwait(true);

        var ready = creating with { State = CollectionState.Ready };
        try
        {
            await WriteDdlAsync(MessageKind.CreateCollection, ready, partition: null).ConfigureAwait(true);
        }
        catch (Exception ex)
        {
            // Undo: the vchannels that took the create take the drop, and the name is free again.
            LogCreateFailed(logger, schema.Name, id, ex);
            var dropped = creating with { State = CollectionState.Dropped };
            state.State.Collections[id] = dropped;
            await state.WriteStateAsync().ConfigureAwait(true);
            await ((Task)WriteDdlAsync(MessageKind.DropCollection, dropped, partition: null)).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        state.State.Collections[id] = ready;
        await state.WriteStateAsync().ConfigureAwait(true);
        LogCreated(logger, schema.Name, id, vchannels);
        return ready;
    }

    public async Task DropCollectionAsync(string name)
    {
        using var change = await BeginChangeAsync().ConfigureAwait(true);
        var collection = Find(name) ?? throw NotFound(name);
        if (collection.Aliases is [_, ..] aliases)
        {
            throw new MilvusException(
                ErrorCode.InvalidArgument,
                $"Collection '{collection.Name}' has aliases {string.Join(", ", aliases.Select(a => $"'{a}'"))}: drop them before the collection.");
        }

        var dropping = collection with { State = CollectionState.Dropping };
        state.State.Collections[collection.Id] = dropping;
        await state.WriteStateAsync().ConfigureAwait(true);

        var dropped = collection with { State = CollectionState.Dropped };
        await WriteDdlAsync(MessageKind.DropCollection, dropped, partition: null).ConfigureAwait(true);
        state.State.Collections[collection.Id] = dropped;
        state.State.DroppedHistory.Add(new DroppedHistory(collection.Id, null, time.GetUtcNow()));
        await state.WriteStateAsync().ConfigureAwait(true);
        LogDropped(logger, name, collection.Id);
    }

    public Task<IReadOnlyList<string>> ListCollectionsAsync() =>
        Task.FromResult<IReadOnlyList<string>>([.. Live.Where(c => c.State == CollectionState.Ready).Select(c => c.Name).Order(StringComparer.Ordinal)]);

    public async Task<CollectionInfo> DescribeCollectionAsync(string name)
    {
        if (Find(name) is not { State: CollectionState.Ready })
        {
            await ReloadUnlessChangingAsync().ConfigureAwait(true);
        }

        return Ready(name);
    }

    public async Task<bool> HasCollectionsAsync()
    {
        if (state.State.NextCollectionId == 1)
        {
            await ReloadUnlessChangingAsync().ConfigureAwait(true);
        }

        return state.State.NextCollectionId > 1;
    }

    public async Task<CollectionInfo?> GetCollectionAsync(long id)
    {
        if (!state.State.Collections.ContainsKey(id))
        {
            await ReloadUnlessChangingAsync().ConfigureAwait(true);
        }

        return state.State.Collections.GetValueOrDefault(id);
    }

    public async Task<CollectionInfo> SetReplicasAsync(string collection, int replicas)
    {
        if (replicas is < 1 or > CollectionInfo.MaxReplicas)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"Collection '{collection}': replicas must be 1 to {CollectionInfo.MaxReplicas}, not {replicas}.");
        }

        using var change = await BeginChangeAsync().ConfigureAwait(true);
        var changed = Ready(collection) with { AddedReplicas = replicas - 1 };
        state.State.Collections[changed.Id] = changed;
        await state.WriteStateAsync().ConfigureAwait(true);
        return changed;
    }

    public async Task<CollectionInfo> SetLoadedAsync(string collection, bool loaded)
    {
        using var change = await BeginChangeAsync().ConfigureAwait(true);
        var info = Ready(collection);
        if (info.Loaded == loaded)
        {
            return info;
        }

        var changed = info with { Loaded = loaded };
        state.State.Collections[changed.Id] = changed;
        await state.WriteStateAsync().ConfigureAwait(true);
        return changed;
    }

    public async Task<IReadOnlyList<DroppedHistory>> GetDroppedHistoryAsync()
    {
        await ReloadUnlessChangingAsync().ConfigureAwait(true);
        return [.. state.State.DroppedHistory];
    }

    public async Task ForgetDroppedHistoryAsync(IReadOnlyList<DroppedHistory> deleted)
    {
        ArgumentNullException.ThrowIfNull(deleted);
        using var change = await BeginChangeAsync().ConfigureAwait(true);
        if (state.State.DroppedHistory.RemoveAll(deleted.Contains) > 0)
        {
            await state.WriteStateAsync().ConfigureAwait(true);
        }
    }

    public async Task<CollectionInfo> RenameCollectionAsync(string name, string newName)
    {
        Names.Validate("collection", newName);
        using var change = await BeginChangeAsync().ConfigureAwait(true);
        var info = Named(name);
        if (Find(newName) is { } existing)
        {
            throw Taken(newName, existing);
        }

        var renamed = info with { Schema = info.Schema with { Name = newName } };
        await StoreAsync(renamed).ConfigureAwait(true);
        LogRenamed(logger, name, newName, info.Id);
        return renamed;
    }

    public async Task<CollectionInfo> CreateAliasAsync(string collection, string aliasName)
    {
        Names.Validate("alias", aliasName);
        using var change = await BeginChangeAsync().ConfigureAwait(true);
        var info = Named(collection);
        switch (Find(aliasName))
        {
            case { } owner when owner.Name == aliasName:
                throw new MilvusException(ErrorCode.InvalidArgument, $"Alias '{aliasName}' is the name of a collection; an alias must not name one.");
            case { } owner when owner.Id == info.Id:
                return info;
            case { } owner:
                throw new MilvusException(ErrorCode.InvalidArgument, $"Alias '{aliasName}' names collection '{owner.Name}' already; alter it to move it.");
        }

        return await StoreAsync(info with { Aliases = [.. info.Aliases ?? [], aliasName] }).ConfigureAwait(true);
    }

    public async Task<CollectionInfo> AlterAliasAsync(string collection, string aliasName)
    {
        using var change = await BeginChangeAsync().ConfigureAwait(true);
        var info = Named(collection);
        var owner = Live.FirstOrDefault(c => c.Aliases?.Contains(aliasName, StringComparer.Ordinal) ?? false)
            ?? throw new MilvusException(ErrorCode.AliasNotFound, $"No collection has alias '{aliasName}'.");
        if (owner.Id == info.Id)
        {
            return info;
        }

        // One write moves it: the alias is never on both collections, nor on neither.
        state.State.Collections[owner.Id] = owner with { Aliases = [.. owner.Aliases!.Where(a => a != aliasName)] };
        return await StoreAsync(info with { Aliases = [.. info.Aliases ?? [], aliasName] }).ConfigureAwait(true);
    }

    public async Task DropAliasAsync(string aliasName)
    {
        using var change = await BeginChangeAsync().ConfigureAwait(true);
        if (Live.FirstOrDefault(c => c.Aliases?.Contains(aliasName, StringComparer.Ordinal) ?? false) is { } owner)
        {
            await StoreAsync(owner with { Aliases = [.. owner.Aliases!.Where(a => a != aliasName)] }).ConfigureAwait(true);
        }
    }

    public Task<IReadOnlyList<string>> ListAliasesAsync() =>
        Task.FromResult<IReadOnlyList<string>>([.. Live.Where(c => c.State == CollectionState.Ready).SelectMany(c => c.Aliases ?? []).Order(StringComparer.Ordinal)]);

    public async Task<CollectionInfo> CreateIndexAsync(string collection, string field, VectorIndex index, MetricType metric)
    {
        ArgumentNullException.ThrowIfNull(index);
        index.Validate(field);
        if (!Enum.IsDefined(metric))
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"Index '{index.Name}' of field '{field}': metric {(int)metric}: allowed L2, IP, Cosine.");
        }

        using var change = await BeginChangeAsync().ConfigureAwait(true);
        var info = Ready(collection);
        var target = info.Schema.Field(field) is { Type: DataType.FloatVector } vector
            ? vector
            : throw new MilvusException(ErrorCode.InvalidArgument, $"Collection '{info.Name}' has no FloatVector field '{field}' to index; only FloatVector fields are indexed.");
        if (target.Index == index && target.Metric == metric)
        {
            return info;
        }

        if (info.Schema.Fields.FirstOrDefault(f => f.Index?.Name == index.Name && f.Name != field) is { } other)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"Collection '{info.Name}': index name '{index.Name}' is taken by field '{other.Name}'.");
        }

        if (target.Index is { } existing)
        {
            throw new MilvusException(
                ErrorCode.InvalidArgument,
                $"Field '{field}' of collection '{info.Name}' has index {existing} under {target.Metric} already; drop it before creating {index} under {metric}.");
        }

        RefuseWhileLoaded(info, $"index field '{field}'");
        return await StoreAsync(info with { Schema = info.Schema.WithIndex(field, index, metric) }).ConfigureAwait(true);
    }

    public async Task<CollectionInfo> DropIndexAsync(string collection, string indexName)
    {
        using var change = await BeginChangeAsync().ConfigureAwait(true);
        var info = Ready(collection);
        var field = info.Schema.Fields.FirstOrDefault(f => f.Index?.Name == indexName)
            ?? throw new MilvusException(ErrorCode.IndexNotFound, $"Collection '{info.Name}' has no index '{indexName}'.");
        RefuseWhileLoaded(info, $"drop index '{indexName}'");
        return await StoreAsync(info with { Schema = info.Schema.WithIndex(field.Name, index: null, field.Metric) }).ConfigureAwait(true);
    }

    public async Task<CollectionInfo> CreatePartitionAsync(string collection, string partition)
    {
        Names.Validate("partition", partition);
        using var change = await BeginChangeAsync().ConfigureAwait(true);
        var info = Ready(collection);
        if (info.HasPartition(partition))
        {
            throw new MilvusException(ErrorCode.PartitionAlreadyExists, $"Collection '{collection}' has partition '{partition}' already.");
        }

        if (info.Partitions.Count >= ICatalogGrain.MaxPartitions)
        {
            throw new MilvusException(ErrorCode.LimitExceeded, $"Collection '{collection}' has {ICatalogGrain.MaxPartitions} partitions, the most it takes; drop one before creating '{partition}'.");
        }

        var added = info with { Partitions = [.. info.Partitions, partition], PartitionIds = [.. info.PartitionIds!, state.State.NextPartitionId++] };
        return await ChangePartitionsAsync(MessageKind.CreatePartition, added, partition).ConfigureAwait(true);
    }

    public async Task<CollectionInfo> DropPartitionAsync(string collection, string partition)
    {
        using var change = await BeginChangeAsync().ConfigureAwait(true);
        var info = Ready(collection);
        if (string.Equals(partition, Names.DefaultPartition, StringComparison.Ordinal))
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"Collection '{collection}': the default partition '{Names.DefaultPartition}' cannot be dropped.");
        }

        if (!info.HasPartition(partition))
        {
            throw new MilvusException(ErrorCode.PartitionNotFound, $"Collection '{collection}' has no partition '{partition}'.");
        }

        var kept = Enumerable.Range(0, info.Partitions.Count).Where(i => info.Partitions[i] != partition).ToList();
        var dropped = info with { Partitions = [.. kept.Select(i => info.Partitions[i])], PartitionIds = [.. kept.Select(i => info.PartitionIds![i])] };
        // Stored with the drop: a failed drop leaves nothing, as the next change starts from the stored state.
        state.State.DroppedHistory.Add(new DroppedHistory(info.Id, info.PartitionId(partition), time.GetUtcNow()));
        return await ChangePartitionsAsync(MessageKind.DropPartition, dropped, partition).ConfigureAwait(true);
    }

    private async Task<CollectionInfo> ChangePartitionsAsync(MessageKind kind, CollectionInfo changed, string partition)
    {
        await WriteDdlAsync(kind, changed, partition).ConfigureAwait(true);
        state.State.Collections[changed.Id] = changed;
        await state.WriteStateAsync().ConfigureAwait(true);
        return changed;
    }

    /// <summary>
    /// Stores a change that writes no DDL message: names and indexes are not in the log, whose messages and history
    /// name collections by id, and the read side takes indexes from the catalog when a collection is loaded.
    /// </summary>
    private async Task<CollectionInfo> StoreAsync(CollectionInfo changed)
    {
        state.State.Collections[changed.Id] = changed;
        await state.WriteStateAsync().ConfigureAwait(true);
        return changed;
    }

    /// <summary>Refuses to change how a loaded collection is searched: its shards read the index when they load.</summary>
    private static void RefuseWhileLoaded(CollectionInfo info, string what)
    {
        if (info.Loaded)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"Collection '{info.Name}' is loaded: release it before you {what}.");
        }
    }

    private Task<HybridTimestamp[]> WriteDdlAsync(MessageKind kind, CollectionInfo collection, string? partition) =>
        Task.WhenAll(collection.VChannels.Select(vchannel => TransientRetry.RunAsync(
            () => GrainFactory.GetGrain<IVChannelGrain>(vchannel).ApplyDdlAsync(new WalMessage(kind, vchannel, collection.Id, partition, Collection: collection)),
            DdlDeadline,
            time,
            CancellationToken.None)));

    /// <summary>Marks a DDL under way (until disposed) and gives it the stored state to start from.</summary>
    private async Task<IDisposable> BeginChangeAsync()
    {
        _changing = true;
        var change = new Change(this);
        try
        {
            await ReloadAsync().ConfigureAwait(true);
            return change;
        }
        catch
        {
            change.Dispose();
            throw;
        }
    }

    /// <summary>Reads the stored state again, unless a DDL is under way past its start: its own state is then the newest.</summary>
    private Task ReloadUnlessChangingAsync() => _reloading ?? (_changing ? Task.CompletedTask : ReloadAsync());

    private async Task ReloadAsync()
    {
        if (_reloading is { } shared)
        {
            await shared.ConfigureAwait(true);
            return;
        }

        var reading = state.ReadStateAsync();
        _reloading = reading;
        try
        {
            await reading.ConfigureAwait(true);
        }
        finally
        {
            _reloading = null;
        }
    }

    /// <summary>The live collection named <paramref name="name"/> or whose alias it is.</summary>
    private CollectionInfo? Find(string name) => Live.FirstOrDefault(c => c.IsNamed(name));

    private CollectionInfo Ready(string name) => Find(name) is { State: CollectionState.Ready } found ? found : throw NotFound(name);

    /// <summary>The ready collection named <paramref name="name"/> itself: an alias does not name a collection here, as in Milvus.</summary>
    private CollectionInfo Named(string name) => Ready(name) is var found && found.Name == name
        ? found
        : throw new MilvusException(ErrorCode.InvalidArgument, $"'{name}' is an alias of collection '{found.Name}': give the collection's own name.");

    private static MilvusException Taken(string name, CollectionInfo owner) => owner.Name == name
        ? new(ErrorCode.CollectionAlreadyExists, $"Collection '{name}' exists already (id {owner.Id}, {owner.State}).")
        : new(ErrorCode.CollectionAlreadyExists, $"'{name}' is an alias of collection '{owner.Name}'; a collection must not be named as an alias.");

    private static MilvusException NotFound(string name) =>
        new(ErrorCode.CollectionNotFound, $"Collection '{name}' does not exist.");

    private sealed class Change(CatalogGrain catalog) : IDisposable
    {
        public void Dispose() => catalog._changing = false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created collection {Name} (id {Id}) on vchannels {VChannels}")]
    private static partial void LogCreated(ILogger logger, string name, long id, string[] vchannels);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Creating collection {Name} (id {Id}) failed; undoing it")]
    private static partial void LogCreateFailed(ILogger logger, string name, long id, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Renamed collection {Name} (id {Id}) to {NewName}")]
    private static partial void LogRenamed(ILogger logger, string name, string newName, long id);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped collection {Name} (id {Id})")]
    private static partial void LogDropped(ILogger logger, string name, long id);
}
