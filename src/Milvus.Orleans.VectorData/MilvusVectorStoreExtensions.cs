using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.VectorData;
using Milvus.Orleans.Client;

namespace Milvus.Orleans.VectorData;

/// <summary>Registers a <see cref="MilvusVectorStore"/> as the host's <see cref="VectorStore"/>.</summary>
public static class MilvusVectorStoreExtensions
{
    /// <summary>
    /// The client integration with the store: <see cref="MilvusClientHostingExtensions.AddMilvusClient(IHostApplicationBuilder, string, Action{MilvusClientOptions}?)"/>
    /// for connection <paramref name="connectionName"/> (health check and tracing included), then
    /// <see cref="AddMilvusVectorStore(IServiceCollection, Action{MilvusVectorStoreOptions}?)"/>.
    /// </summary>
    public static IHostApplicationBuilder AddMilvusVectorStore(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<MilvusVectorStoreOptions>? configure = null,
        Action<MilvusClientOptions>? configureClient = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddMilvusClient(connectionName, configureClient);
        builder.Services.AddMilvusVectorStore(configure);
        return builder;
    }

    /// <summary>
    /// Registers a <see cref="MilvusVectorStore"/> over the registered <see cref="MilvusClient"/>, as itself and as
    /// <see cref="VectorStore"/>. Its embedding generator is the registered
    /// <c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c>, if any, unless <paramref name="configure"/> sets another.
    /// </summary>
    public static IServiceCollection AddMilvusVectorStore(this IServiceCollection services, Action<MilvusVectorStoreOptions>? configure = null)
    {
        services.AddSingleton(provider =>
        {
            var options = new MilvusVectorStoreOptions { EmbeddingGenerator = provider.GetService<IEmbeddingGenerator<string, Embedding<float>>>() };
            configure?.Invoke(options);
            return new MilvusVectorStore(provider.GetRequiredService<MilvusClient>(), options);
        });
        services.AddSingleton<VectorStore>(provider => provider.GetRequiredService<MilvusVectorStore>());
        return services;
    }
}
