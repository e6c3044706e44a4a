using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Milvus.Orleans.Configuration;
using Milvus.Orleans.Query.Compaction;
using Milvus.Orleans.Query.Configuration;
using Milvus.Orleans.Query.Nodes;

namespace Milvus.Orleans.Query;

/// <summary>Hosting of the read side in a silo.</summary>
public static class QuerySiloBuilderExtensions
{
    /// <summary>
    /// Registers the query delegator and query node grains, with <c>Milvus:Query</c> bound and validated when the silo
    /// starts. Needs the streaming service (<c>AddMilvusStreaming</c>): delegators read growing data from its
    /// recoveries and sealed segments from its history.
    /// </summary>
    public static ISiloBuilder AddMilvusQuery(this ISiloBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services
            .AddValidatedOptions<QueryOptions, QueryOptionsValidator>(configuration, QueryOptions.SectionName)
            .AddValidatedOptions<CompactionOptions, CompactionOptionsValidator>(configuration, CompactionOptions.SectionName)
            .AddSingleton<SegmentLoader>()
            .AddSingleton<ReadWorkers>()
            .AddSingleton<Compactor>()
            .AddHostedService<CompactionSweeps>();
        builder.AddPlacementDirector<QueryNodePlacement, QueryNodePlacementDirector>();
        return builder;
    }
}
