using Microsoft.Extensions.VectorData;
using Milvus.Orleans.Client;

namespace Milvus.Orleans.VectorData;

/// <summary>What the store and its collections both ask of the SDK, with the SDK's errors as <see cref="VectorStoreException"/>s.</summary>
internal static class StoreCalls
{
    /// <summary>Runs <paramref name="call"/>; a <see cref="MilvusException"/> becomes a <see cref="VectorStoreException"/> naming the operation (and <paramref name="collection"/>, when given).</summary>
    public static async Task<T> RunAsync<T>(string operation, string? collection, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (MilvusException ex)
        {
            var what = collection is null ? operation : $"{operation} on collection '{collection}'";
            throw new VectorStoreException($"{what} failed: {ex.Message}", ex)
            {
                VectorStoreSystemName = MilvusVectorStore.SystemName,
                CollectionName = collection,
                OperationName = operation,
            };
        }
    }

    /// <summary>Whether collection <paramref name="name"/> exists.</summary>
    public static Task<bool> ExistsAsync(MilvusClient client, string name, string? collection, CancellationToken cancellationToken) =>
        RunAsync("CollectionExists", collection, async () => (await client.ListCollectionsAsync(cancellationToken).ConfigureAwait(false)).Contains(name, StringComparer.Ordinal));

    /// <summary>Drops collection <paramref name="name"/>; one that is gone already is no error.</summary>
    public static Task DeleteAsync(MilvusClient client, string name, string? collection, CancellationToken cancellationToken) =>
        RunAsync("EnsureCollectionDeleted", collection, async () =>
        {
            try
            {
                await client.DropCollectionAsync(name, cancellationToken).ConfigureAwait(false);
            }
            catch (MilvusException ex) when (ex.Code == ErrorCode.CollectionNotFound)
            {
                // Already gone.
            }

            return true;
        });
}
