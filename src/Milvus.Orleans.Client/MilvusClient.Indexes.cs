using Milvus.Orleans.Grains;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Client;

/// <summary>A vector field's index with how far the collection's sealed segments are indexed.</summary>
/// <param name="Field">The indexed field.</param>
/// <param name="Index">Its index.</param>
/// <param name="Metric">The field's metric, which the index searches under.</param>
/// <param name="Progress">
/// How far the sealed segments are indexed, when the collection is loaded; null when it is not: its graphs are built,
/// or read from beside the segments, when it loads.
/// </param>
public sealed record IndexDescription(string Field, VectorIndex Index, MetricType Metric, IndexProgress? Progress);

public sealed partial class MilvusClient
{
    /// <summary>
    /// Indexes vector field <paramref name="field"/> of a released collection by <paramref name="index"/> under
    /// <paramref name="metric"/>, as Milvus' <c>create_index</c>; the same index again is no change.
    /// </summary>
    public async Task CreateIndexAsync(string collection, string field, VectorIndex index, MetricType metric, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(index);
        index.Validate(field);
        Remember(collection, await RetryAsync(() => Catalog.CreateIndexAsync(collection, field, index, metric), cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Drops an index of a released collection; its field is searched through HNSW with the silos' settings again.</summary>
    public async Task DropIndexAsync(string collection, string indexName, CancellationToken cancellationToken = default) =>
        Remember(collection, await RetryAsync(() => Catalog.DropIndexAsync(collection, indexName), cancellationToken).ConfigureAwait(false));

    /// <summary>The indexes of a collection's vector fields, with how far they are built when it is loaded.</summary>
    public async Task<IReadOnlyList<IndexDescription>> DescribeIndexesAsync(string collection, CancellationToken cancellationToken = default)
    {
        var info = await DescribeCollectionAsync(collection, cancellationToken).ConfigureAwait(false);
        var progress = info.Loaded
            ? (await Task.WhenAll(info.VChannels.Select(vchannel =>
                OnShardAsync(info, vchannel, delegator => delegator.GetIndexProgressAsync(), cancellationToken))).ConfigureAwait(false))
                .Aggregate(IndexProgress.None, (sum, shard) => sum.Add(shard))
            : null;
        return [.. info.Schema.Fields.Where(f => f.Index is not null).Select(f => new IndexDescription(f.Name, f.Index!, f.Metric, progress))];
    }

    /// <summary>Renames a collection (by its name, not an alias); its data and aliases stay.</summary>
    public async Task RenameCollectionAsync(string name, string newName, CancellationToken cancellationToken = default)
    {
        var renamed = await RetryAsync(() => Catalog.RenameCollectionAsync(name, newName), cancellationToken).ConfigureAwait(false);
        _collections.TryRemove(name, out _);
        Remember(newName, renamed);
    }

    /// <summary>Gives a collection (by its name) another name, under which every call reaches it.</summary>
    public async Task CreateAliasAsync(string collection, string aliasName, CancellationToken cancellationToken = default) =>
        Remember(collection, await RetryAsync(() => Catalog.CreateAliasAsync(collection, aliasName), cancellationToken).ConfigureAwait(false));

    /// <summary>Moves an alias to collection <paramref name="collection"/> (by its name).</summary>
    public async Task AlterAliasAsync(string collection, string aliasName, CancellationToken cancellationToken = default)
    {
        var info = await RetryAsync(() => Catalog.AlterAliasAsync(collection, aliasName), cancellationToken).ConfigureAwait(false);
        Remember(collection, info);
        Remember(aliasName, info);
    }

    /// <summary>Removes an alias; one that does not exist is no change, as in Milvus.</summary>
    public async Task DropAliasAsync(string aliasName, CancellationToken cancellationToken = default)
    {
        await RetryAsync(
            async () =>
            {
                await Catalog.DropAliasAsync(aliasName).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
        _collections.TryRemove(aliasName, out _);
    }

    /// <summary>Every alias of the cluster's collections, sorted.</summary>
    public Task<IReadOnlyList<string>> ListAliasesAsync(CancellationToken cancellationToken = default) =>
        RetryAsync(Catalog.ListAliasesAsync, cancellationToken, idempotent: true);
}
