namespace Milvus.Orleans.Gateway.Rest;

/// <summary><c>partitions/*</c>: list, create, drop, has.</summary>
internal static class PartitionEndpoints
{
    public static void AddTo(Dictionary<string, RestEndpoint> endpoints)
    {
        endpoints["partitions/list"] = new(async call => RestReply.Strings(await call.Client.ListPartitionsAsync(call.Collection, call.CancellationToken)));
        endpoints["partitions/create"] = new(async call =>
        {
            await call.Client.CreatePartitionAsync(call.Collection, Partition(call), call.CancellationToken);
            return RestReply.Empty;
        });
        endpoints["partitions/drop"] = new(async call =>
        {
            await call.Client.DropPartitionAsync(call.Collection, Partition(call), call.CancellationToken);
            return RestReply.Empty;
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
