using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Gateway.Rest;

/// <summary>
/// <c>partitions/*</c>: list, create, drop, has, get_stats, load, release. A collection loads and releases as a whole
/// here: loading partitions loads all of them, and only a release of every partition releases it.
/// </summary>
internal static class PartitionEndpoints
{
    public static void AddTo(Dictionary<string, RestEndpoint> endpoints)
    {
        endpoints["partitions/list"] = new(async call => RestReply.Strings(await call.Client.ListPartitionsAsync(call.Collection, call.CancellationToken)));
        endpoints["partitions/create"] = RestEndpoint.Done(call => call.Client.CreatePartitionAsync(call.Collection, Partition(call), call.CancellationToken));
        endpoints["partitions/drop"] = RestEndpoint.Done(call => call.Client.DropPartitionAsync(call.Collection, Partition(call), call.CancellationToken));
        endpoints["partitions/get_stats"] = new(async call =>
        {
            var collection = call.Collection;
            var partition = Partition(call);
            return RestReply.Object("rowCount", await call.Client.CountAsync(collection, null, Query.ConsistencyLevel.Strong, [partition], cancellationToken: call.CancellationToken));
        });
        endpoints["partitions/load"] = new(async call =>
        {
            await NamedPartitionsAsync(call);
            return await CollectionEndpoints.LoadAsync(call);
        });
        endpoints["partitions/release"] = RestEndpoint.Done(async call =>
        {
            var (info, names) = await NamedPartitionsAsync(call);
            if (info.Partitions.FirstOrDefault(p => !names.Contains(p, StringComparer.Ordinal)) is { } kept)
            {
                throw RestException.Invalid($"a collection loads and releases as a whole here: partition '{kept}' would stay loaded; release every partition (or the collection)");
            }

            await call.Client.ReleaseCollectionAsync(call.Collection, call.CancellationToken);
        });
        endpoints["partitions/has"] = new(async call =>
        {
            var collection = call.Collection;
            var partition = Partition(call);
            return RestReply.Object("has", (await call.Client.ListPartitionsAsync(collection, call.CancellationToken)).Contains(partition, StringComparer.Ordinal));
        });
    }

    private static string Partition(RestCall call) => call.Body.RequiredString("partitionName");

    /// <summary>The collection and the partitions <c>partitionNames</c> lists (required, each one existing).</summary>
    private static async Task<(CollectionInfo Info, IReadOnlyList<string> Partitions)> NamedPartitionsAsync(RestCall call)
    {
        var collection = call.Collection;
        var names = call.Body.Strings("partitionNames") is { Count: > 0 } given ? given : throw RestException.Missing(call.Body.Name("partitionNames"));
        var info = await call.Client.DescribeCollectionAsync(collection, call.CancellationToken);
        CheckExist(info, names);
        return (info, names);
    }

    /// <summary>Fails with code 200 naming the first of <paramref name="names"/> the collection does not have.</summary>
    public static void CheckExist(CollectionInfo info, IEnumerable<string> names)
    {
        if (names.FirstOrDefault(p => !info.HasPartition(p)) is { } missing)
        {
            throw new RestException(RestCode.PartitionNotFound, $"partition not found[partition={missing}]");
        }
    }
}
