using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Streaming.Configuration;
using Milvus.Orleans.Streaming.Placement;
using Milvus.Orleans.Streaming.Tso;
using Milvus.Orleans.Streaming.Wal;
using Milvus.Orleans.Wal;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Streaming;

/// <summary>Adds the streaming service to an Orleans silo.</summary>
public static class StreamingSiloBuilderExtensions
{
    /// <summary>How long a record stays in a write-ahead buffer for tail readers.</summary>
    private static readonly TimeSpan BufferMaxAge = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Registers the streaming service's grains and their dependencies, and binds the <c>Milvus</c> configuration
    /// (<c>Wal</c>, <c>Streaming</c>, <c>Segment</c>, <c>Message</c>), validated when the silo starts. The WAL
    /// storage is the local or memory back-end from <c>Milvus:Wal:Storage</c>, unless the host registered an
    /// <see cref="IWalStorage"/> (as the silo does for <c>blob</c>).
    /// </summary>
    public static ISiloBuilder AddMilvusStreaming(this ISiloBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services
            .AddMilvusWal(configuration)
            .AddValidatedOptions<StreamingOptions, StreamingOptionsValidator>(configuration, StreamingOptions.SectionName)
            .AddValidatedOptions<SegmentOptions, SegmentOptionsValidator>(configuration, SegmentOptions.SectionName)
            .AddValidatedOptions<MessageOptions, MessageOptionsValidator>(configuration, MessageOptions.SectionName);
        services.TryAddSingleton(CreateWalStorage);
        services.AddSingleton<TimestampCache>();
        services.AddSingleton<MessageCodec>();
        services.AddSingleton<ChannelDirectory>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ChannelDirectory>());
        builder.AddPlacementDirector<ChannelPlacement, ChannelPlacementDirector>();
        return builder;
    }

    private static IWalStorage CreateWalStorage(IServiceProvider services)
    {
        var wal = services.GetRequiredService<IOptions<WalOptions>>().Value;
        var pchannels = services.GetRequiredService<IOptions<StreamingOptions>>().Value.PChannels;
        var time = services.GetRequiredService<TimeProvider>();
        IWalStorage inner = wal.Storage switch
        {
            WalStorageKind.Local => new LocalWalStorage(new LocalWalOptions { Path = wal.Path, RecoveryErrorIgnore = wal.RecoveryErrorIgnore }, time),
            WalStorageKind.Memory => new MemoryWalStorage(),
            _ => throw new InvalidOperationException(
                $"{WalOptions.SectionName}:Storage = {wal.Storage} needs its storage registered by the host before AddMilvusStreaming."),
        };
        // Half of the buffer bound goes to write-ahead buffers, shared evenly by the pchannels.
        var perLog = Math.Max(1L, (long)wal.BufferSizeMb * 1024 * 1024 / 2 / pchannels);
        return new BufferedWalStorage(inner, perLog, BufferMaxAge, time);
    }
}
