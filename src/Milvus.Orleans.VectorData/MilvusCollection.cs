using System.Diagnostics.CodeAnalysis;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;
using Milvus.Orleans.Client;
using Milvus.Orleans.Query;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.VectorData;

/// <summary>
/// A Milvus.Orleans collection seen through <c>Microsoft.Extensions.VectorData</c>: records mapped from the VectorData
/// attributes (or a definition) onto the collection's fields, LINQ filters translated into the service's expressions,
/// and searches over any of the record's vector properties.
/// </summary>
/// <typeparam name="TKey">The key: <see cref="long"/>, <see cref="string"/> or <see cref="Guid"/> (stored as text).</typeparam>
/// <typeparam name="TRecord">The record type.</typeparam>
public class MilvusCollection<TKey, TRecord> : VectorStoreCollection<TKey, TRecord>
    where TKey : notnull
    where TRecord : class
{
    // Each write request stays well below the service's 64 MiB limit.
    private const long MaxBatchBytes = 16L * 1024 * 1024;

    private readonly MilvusClient _client;
    private readonly CollectionModel _model;
    private readonly RecordMapper _mapper;
    private readonly MilvusCollectionOptions _options;
    private readonly VectorStoreCollectionMetadata _metadata;

    /// <summary>A collection named <paramref name="name"/> reached through <paramref name="client"/>.</summary>
    [RequiresDynamicCode("Reads the record type's properties through reflection.")]
    [RequiresUnreferencedCode("Reads the record type's properties through reflection.")]
    public MilvusCollection(MilvusClient client, string name, MilvusCollectionOptions? options = null)
        : this(client, name, options, o => typeof(TRecord) == typeof(Dictionary<string, object?>)
            ? throw new NotSupportedException("Dictionary records need a definition: use MilvusDynamicCollection or VectorStore.GetDynamicCollection.")
            : new MilvusModelBuilder().Build(typeof(TRecord), typeof(TKey), o.Definition, o.EmbeddingGenerator))
    {
    }

    internal MilvusCollection(MilvusClient client, string name, MilvusCollectionOptions? options, Func<MilvusCollectionOptions, CollectionModel> buildModel)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(buildModel);
        try
        {
            Names.Validate("collection", name);
        }
        catch (MilvusException ex)
        {
            throw new ArgumentException(ex.Message, nameof(name), ex);
        }

        _client = client;
        _options = options ?? MilvusCollectionOptions.Default;
        if (_options.ShardCount is < 1 or > CollectionSchema.MaxShards)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.ShardCount, $"ShardCount: allowed 1..{CollectionSchema.MaxShards}.");
        }

        Name = name;
        _model = buildModel(_options);
        // Distance functions and index kinds the service lacks are refused here, not at the first write.
        _ = CollectionSchemas.Of(name, _model, _options.ShardCount);
        _mapper = new RecordMapper(_model);
        _metadata = new VectorStoreCollectionMetadata { VectorStoreSystemName = MilvusVectorStore.SystemName, CollectionName = name };
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <inheritdoc />
    public override Task<bool> CollectionExistsAsync(CancellationToken cancellationToken = default) =>
        StoreCalls.ExistsAsync(_client, Name, Name, cancellationToken);

    /// <summary>Creates the collection if it does not exist (schema from the record model), then loads it for reads.</summary>
    public override Task EnsureCollectionExistsAsync(CancellationToken cancellationToken = default) =>
        RunAsync("EnsureCollectionExists", async () =>
        {
            try
            {
                await _client.CreateCollectionAsync(CollectionSchemas.Of(Name, _model, _options.ShardCount), cancellationToken).ConfigureAwait(false);
            }
            catch (MilvusException ex) when (ex.Code == ErrorCode.CollectionAlreadyExists)
            {
                // Created before, or by another caller just now: the collection is there either way.
            }

            await _client.LoadCollectionAsync(Name, cancellationToken).ConfigureAwait(false);
            return true;
        });

    /// <inheritdoc />
    public override Task EnsureCollectionDeletedAsync(CancellationToken cancellationToken = default) =>
        StoreCalls.DeleteAsync(_client, Name, Name, cancellationToken);

    /// <inheritdoc />
    public override async Task<TRecord?> GetAsync(TKey key, RecordRetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        await foreach (var record in GetAsync([key], options, cancellationToken).ConfigureAwait(false))
        {
            return record;
        }

        return null;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<TRecord> GetAsync(
        IEnumerable<TKey> keys, RecordRetrievalOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var includeVectors = IncludeVectors(options?.IncludeVectors ?? false);
        foreach (var chunk in keys.Chunk(QueryRequest.MaxRows))
        {
            var rows = await RunAsync("Get", () => _client.GetAsync(
                Name, _mapper.Keys(chunk.Cast<object?>()), _mapper.OutputFields(includeVectors), _options.Consistency, cancellationToken: cancellationToken)).ConfigureAwait(false);
            for (var row = 0; row < rows.RowCount; row++)
            {
                yield return _mapper.FromRow<TRecord>(rows, row, includeVectors);
            }
        }
    }

    /// <summary>
    /// The first <paramref name="top"/> records (after <see cref="FilteredRecordRetrievalOptions{TRecord}.Skip"/>) that
    /// match <paramref name="filter"/>, in key order; ordering by other properties is not offered.
    /// </summary>
    public override async IAsyncEnumerable<TRecord> GetAsync(
        Expression<Func<TRecord, bool>> filter,
        int top,
        FilteredRecordRetrievalOptions<TRecord>? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        options ??= new FilteredRecordRetrievalOptions<TRecord>();
        if (options.OrderBy is not null)
        {
            throw new NotSupportedException("Milvus.Orleans returns filtered records in key order: OrderBy is not supported.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(options.Skip);
        var includeVectors = IncludeVectors(options.IncludeVectors);
        var expression = MilvusFilterTranslator.Translate(filter, _model);
        var rows = await RunAsync("Get", () => _client.QueryAsync(
            Name, expression, new QueryParameters(_mapper.OutputFields(includeVectors), Limit: top, Offset: options.Skip, Consistency: _options.Consistency), cancellationToken)).ConfigureAwait(false);
        for (var row = 0; row < rows.RowCount; row++)
        {
            yield return _mapper.FromRow<TRecord>(rows, row, includeVectors);
        }
    }

    /// <inheritdoc />
    public override Task DeleteAsync(TKey key, CancellationToken cancellationToken = default) => DeleteAsync([key], cancellationToken);

    /// <inheritdoc />
    public override async Task DeleteAsync(IEnumerable<TKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var list = keys.Cast<object?>().ToList();
        if (list.Count > 0)
        {
            await RunAsync("Delete", () => _client.DeleteAsync(Name, _mapper.Keys(list), cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override Task UpsertAsync(TRecord record, CancellationToken cancellationToken = default) => UpsertAsync([record], cancellationToken);

    /// <summary>
    /// Writes <paramref name="records"/>, replacing those with the same keys; returns once they are durable. Vector
    /// properties that take text are embedded first, and empty <see cref="Guid"/> keys are given new ones.
    /// </summary>
    public override async Task UpsertAsync(IEnumerable<TRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var list = records as IReadOnlyList<TRecord> ?? [.. records];
        if (list.Count == 0)
        {
            return;
        }

        if (list.Any(r => r is null))
        {
            throw new ArgumentException("The records include null.", nameof(records));
        }

        var key = _model.KeyProperty;
        if (key.IsAutoGenerated)
        {
            foreach (var record in list.Where(r => key.GetValueAsObject(r) is Guid id && id == Guid.Empty))
            {
                key.SetValueAsObject(record, Guid.NewGuid());
            }
        }

        var recordBytes = 256L + _model.VectorProperties.Sum(p => 4L * p.Dimensions);
        foreach (var chunk in list.Chunk((int)Math.Max(1, MaxBatchBytes / recordBytes)))
        {
            var generated = new IReadOnlyList<Embedding>?[_model.VectorProperties.Count];
            for (var v = 0; v < generated.Length; v++)
            {
                var property = _model.VectorProperties[v];
                if (property.EmbeddingType != property.Type)
                {
                    generated[v] = await property.GenerateEmbeddingsAsync(chunk.Select(property.GetValueAsObject), cancellationToken).ConfigureAwait(false);
                }
            }

            var rows = _mapper.ToRows(chunk, generated);
            await RunAsync("Upsert", () => _client.UpsertAsync(Name, rows, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The <paramref name="top"/> records nearest <paramref name="searchValue"/> (a vector, or text the property's
    /// embedding generator embeds), best first, after <see cref="VectorSearchOptions{TRecord}.Skip"/>. The score is the
    /// metric's: cosine similarity, dot product, or squared Euclidean distance (smaller is closer).
    /// </summary>
    public override async IAsyncEnumerable<VectorSearchResult<TRecord>> SearchAsync<TInput>(
        TInput searchValue,
        int top,
        VectorSearchOptions<TRecord>? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(searchValue);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        options ??= new VectorSearchOptions<TRecord>();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Skip);
        var property = _model.GetVectorPropertyOrSingle(options);
        var vector = await VectorOfAsync(property, searchValue, cancellationToken).ConfigureAwait(false);
        var includeVectors = IncludeVectors(options.IncludeVectors);
        var filter = options.Filter is null ? null : MilvusFilterTranslator.Translate(options.Filter, _model);
        var parameters = new SearchParameters(filter, _mapper.OutputFields(includeVectors), _options.Consistency, property.StorageName);
        var hits = (await RunAsync("Search", () => _client.SearchAsync(Name, [vector], top + options.Skip, parameters, cancellationToken)).ConfigureAwait(false))[0];
        var largerIsCloser = CollectionSchemas.LargerIsCloser(CollectionSchemas.Metric(property));
        for (var row = options.Skip; row < hits.Rows.RowCount; row++)
        {
            var score = hits.Scores[row];
            if (options.ScoreThreshold is { } threshold && (largerIsCloser ? score < threshold : score > threshold))
            {
                // Hits come best first: the rest are past the threshold too.
                yield break;
            }

            yield return new VectorSearchResult<TRecord>(_mapper.FromRow<TRecord>(hits.Rows, row, includeVectors), score);
        }
    }

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(VectorStoreCollectionMetadata) ? _metadata
            : serviceType == typeof(MilvusClient) ? _client
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>The search value as a vector: given as one, or embedded by the property's generator.</summary>
    private static async Task<float[]> VectorOfAsync<TInput>(VectorPropertyModel property, TInput searchValue, CancellationToken cancellationToken)
    {
        if (RecordMapper.AsVector(searchValue) is { } given)
        {
            return given.ToArray();
        }

        if (property.EmbeddingGenerator is null)
        {
            throw new NotSupportedException(
                $"Search value of type {typeof(TInput).Name} for vector property '{property.ModelName}': give {MilvusModelBuilder.SupportedVectorTypes}, or configure an embedding generator.");
        }

        var embedding = (Embedding<float>)await property.GenerateEmbeddingAsync(searchValue, cancellationToken).ConfigureAwait(false);
        return embedding.Vector.ToArray();
    }

    private bool IncludeVectors(bool requested) =>
        requested && _model.EmbeddingGenerationRequired
            ? throw new NotSupportedException("IncludeVectors is not supported for records whose vectors are embedded from other properties: the stored vector cannot be given back as their input.")
            : requested;

    /// <summary>Runs a call of the SDK, its errors as <see cref="VectorStoreException"/>s naming the store, collection and operation.</summary>
    private Task<T> RunAsync<T>(string operation, Func<Task<T>> call) => StoreCalls.RunAsync(operation, Name, call);
}
