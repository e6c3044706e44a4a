namespace Milvus.Orleans.Gateway.Rest;

/// <summary><c>aliases/*</c>: create, alter, describe, list, drop.</summary>
internal static class AliasEndpoints
{
    public static void AddTo(Dictionary<string, RestEndpoint> endpoints)
    {
        endpoints["aliases/create"] = RestEndpoint.Done(call => call.Client.CreateAliasAsync(call.Collection, Alias(call), call.CancellationToken));
        endpoints["aliases/alter"] = RestEndpoint.Done(call => call.Client.AlterAliasAsync(call.Collection, Alias(call), call.CancellationToken));
        endpoints["aliases/drop"] = RestEndpoint.Done(call => call.Client.DropAliasAsync(Alias(call), call.CancellationToken));
        endpoints["aliases/list"] = new(async call => RestReply.Strings(call.Body.String("collectionName") is { Length: > 0 } collection
            ? (await call.Client.DescribeCollectionAsync(collection, call.CancellationToken)).Aliases ?? []
            : await call.Client.ListAliasesAsync(call.CancellationToken)));
        endpoints["aliases/describe"] = new(async call =>
        {
            var alias = Alias(call);
            var owner = await OwnerAsync(call, alias);
            return new RestReply(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("dbName", RestApi.DefaultDatabase);
                writer.WriteString("collectionName", owner);
                writer.WriteString("aliasName", alias);
                writer.WriteEndObject();
            });
        });
    }

    private static string Alias(RestCall call) => call.Body.RequiredString("aliasName");

    /// <summary>The name of the collection <paramref name="alias"/> names; fails when no collection has that alias.</summary>
    private static async Task<string> OwnerAsync(RestCall call, string alias)
    {
        string? owner;
        try
        {
            owner = (await call.Client.DescribeCollectionAsync(alias, call.CancellationToken)).Name;
        }
        catch (MilvusException ex) when (ex.Code == ErrorCode.CollectionNotFound)
        {
            owner = null;
        }

        // A collection's own name is not an alias.
        return owner is not null && owner != alias ? owner : throw RestException.Invalid($"alias not found[database={RestApi.DefaultDatabase}][alias={alias}]");
    }
}
