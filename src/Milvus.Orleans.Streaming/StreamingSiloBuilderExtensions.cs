using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Milvus.Orleans.Streaming.Configuration;
using Milvus.Orleans.Wal;

namespace Milvus.Orleans.Streaming;

/// <summary>Adds the streaming service to an Orleans silo.</summary>
public static class StreamingSiloBuilderExtensions
{
    /// <summary>
    /// Registers the streaming service's grains' dependencies and binds the <c>Milvus</c> configuration
    /// (<c>Wal</c>, <c>Streaming</c>, <c>Segment</c>, <c>Message</c>), validated when the silo starts.
    /// </summary>
    public static ISiloBuilder AddMilvusStreaming(this ISiloBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services
            .AddMilvusWal(configuration)
            .AddValidatedOptions<StreamingOptions, StreamingOptionsValidator>(configuration, StreamingOptions.SectionName)
            .AddValidatedOptions<SegmentOptions, SegmentOptionsValidator>(configuration, SegmentOptions.SectionName)
            .AddValidatedOptions<MessageOptions, MessageOptionsValidator>(configuration, MessageOptions.SectionName);
        return builder;
    }
}
