using Aspire.Hosting.ApplicationModel;

namespace Milvus.Orleans.Hosting;

/// <summary>
/// A Milvus.Orleans cluster in an AppHost: its silos, and the Garnet and Azurite it runs unless given a Redis and a
/// storage account, shown as its children. It is running once every silo is healthy. Its connection string is what
/// the client integration (<c>AddMilvusClient</c>, <c>AddMilvusVectorStore</c>) reads:
/// <c>ClusterId=…;ServiceId=…;Token=root:…;Redis=…</c>.
/// </summary>
public sealed class MilvusOrleansResource(string name, ReferenceExpression connectionString) : Resource(name), IResourceWithConnectionString, IResourceWithWaitSupport
{
    /// <summary>The resource type shown in the dashboard.</summary>
    public const string ResourceType = "MilvusOrleans";

    /// <inheritdoc />
    public ReferenceExpression ConnectionStringExpression { get; } = connectionString;

    /// <summary>The silo resources, in order.</summary>
    public IList<ExecutableResource> Silos { get; } = [];
}
