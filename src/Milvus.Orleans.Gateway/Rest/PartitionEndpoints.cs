namespace Milvus.Orleans.Gateway.Rest;

/// <summary><c>partitions/*</c>: list, create, drop, has, get_stats.</summary>
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
            return RestReply.Object("rowCount", await call.Client.CountAsync(collection, null, Query.ConsistencyLevel.Strong, [partition], call.CancellationToken));
        });
        endpoints["partitions/has"] = new(async call =>
        {
            var collection = call.Collection;
            var partition = Partition(call);
            return RestReply.Object("has", (await call.Client.ListPartitionsAsync(collection, call.CancellationToken)).Contains(partition, StringComparer.Ordinal));
        });
    }

    private static string Partition(RestCall call) => call.Body.RequiredString("partitionName");
}
