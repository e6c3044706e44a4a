using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Configuration;
using Milvus.Orleans.History.Checkpoints;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Streaming.Buffers;
using Milvus.Orleans.Streaming.Configuration;
using Milvus.Orleans.Streaming.Lifecycle;
using Milvus.Orleans.Streaming.Placement;
using Milvus.Orleans.Streaming.Reads;
using Milvus.Orleans.Streaming.Recovery;
using Milvus.Orleans.Streaming.Streams;
using Milvus.Orleans.Streaming.Tso;
using Milvus.Orleans.Streaming.Wal;
using Milvus.Orleans.Wal;
using Milvus.Orleans.Wal.Storage;
using Orleans.Serialization;
using Orleans.Storage;

namespace Milvus.Orleans.Streaming;

/// <summary>Adds the streaming service to an Orleans silo.</summary>
public static class StreamingSiloBuilderExtensions
{
    /// <summary>
    /// Service key of the WAL back-end a host registers for <c>Milvus:Wal:Storage = Blob</c> (an
    /// <see cref="IWalStorage"/>); the local and memory back-ends need none.
    /// </summary>
    public const string WalBackendKey = "milvus-wal-backend";

    /// <summary>
    /// Service key of the blob container the host registers for history (a <see cref="BlobContainerClient"/>): sealed
    /// segments under <c>history/</c> and the pchannels' checkpoints under <c>checkpoints/</c>.
    /// </summary>
    public const string HistoryContainerKey = "milvus-history";

    /// <summary>How long a record stays in a write-ahead buffer for tail readers.</summary>
    private static readonly TimeSpan BufferMaxAge = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Registers the streaming service's grains and their dependencies, and binds the <c>Milvus</c> configuration
    /// (<c>Wal</c>, <c>Streaming</c>, <c>Segment</c>, <c>Message</c>, <c>History</c>), validated when the silo starts. The WAL
    /// back-end is chosen by <c>Milvus:Wal:Storage</c>: local files at <c>Milvus:Wal:Path</c>, memory, or the
    /// host's keyed <see cref="WalBackendKey"/> service; write-ahead buffers sit in front of it. With
    /// <c>Milvus:Streaming:OrleansStreams</c>, adds the persistent stream provider <see cref="VChannelStreams.ProviderName"/>
    /// over the logs, whose subscriptions and checkpoints need the host's <c>PubSubStore</c> grain storage. History
    /// goes to the host's keyed <see cref="HistoryContainerKey"/> blob container.
    /// </summary>
    public static ISiloBuilder AddMilvusStreaming(this ISiloBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddKeyedSingleton(TsoGrain.ClockKey, (sp, _) => sp.GetRequiredService<TimeProvider>());
        services
            .AddMilvusWal(configuration)
            .AddValidatedOptions<StreamingOptions, StreamingOptionsValidator>(configuration, StreamingOptions.SectionName)
            .AddValidatedOptions<SegmentOptions, SegmentOptionsValidator>(configuration, SegmentOptions.SectionName)
            .AddValidatedOptions<MessageOptions, MessageOptionsValidator>(configuration, MessageOptions.SectionName)
            .AddValidatedOptions<HistoryOptions, HistoryOptionsValidator>(configuration, HistoryOptions.SectionName);
        // Grain state in Orleans' binary, version-tolerant format, which the [GenerateSerializer] state types are made
        // for (Newtonsoft JSON, the default, cannot rebuild read-only collections); JSON state is still read.
        services.AddSingleton<IGrainStorageSerializer>(sp => new GrainStorageSerializer(
            new OrleansGrainStorageSerializer(sp.GetRequiredService<Serializer>()),
            ActivatorUtilities.CreateInstance<JsonGrainStorageSerializer>(sp)));
        services.AddSingleton(CreateWalStorage);
        services.AddSingleton<TimestampCache>();
        services.AddSingleton<BufferBudget>();
        services.AddSingleton<RunningRecoveries>();
        services.AddSingleton<OpenLogs>();
        services.AddSingleton<IShardReads, ShardReads>();
        services.AddSingleton<MessageCodec>();
        services.AddSingleton<ChannelDirectory>();
        services.TryAddSingleton<IHistoryStore>(sp => new AzureBlobHistoryStore(HistoryContainer(sp)));
        services.TryAddSingleton<ICheckpointStore>(sp => new AzureBlobCheckpointStore(HistoryContainer(sp)));
        services.AddSingleton<HistoryCollector>();
        services.AddHostedService<HistorySweeps>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ChannelDirectory>());
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, ClusterShapeCheck>();
        builder.AddPlacementDirector<ChannelPlacement, ChannelPlacementDirector>();
        // Read raw: a value that is not a boolean is reported by the section's validation at start-up.
        if (bool.TryParse(configuration[$"{StreamingOptions.SectionName}:{nameof(StreamingOptions.OrleansStreams)}"], out var orleansStreams) && orleansStreams)
        {
            builder.AddPersistentStreams(VChannelStreams.ProviderName, WalQueueAdapterFactory.Create, streams => streams.ConfigurePartitionBalancing(
                (sp, _) => ActivatorUtilities.CreateInstance<PChannelOwnerQueueBalancer>(sp)));
        }

        return builder;
    }

    private static BlobContainerClient HistoryContainer(IServiceProvider services) =>
        services.GetKeyedService<BlobContainerClient>(HistoryContainerKey) ?? throw new InvalidOperationException(
            $"History needs the host to register a BlobContainerClient under key '{HistoryContainerKey}'.");

    private static IWalStorage CreateWalStorage(IServiceProvider services)
    {
        var wal = services.GetRequiredService<IOptions<WalOptions>>().Value;
        var pchannels = services.GetRequiredService<IOptions<StreamingOptions>>().Value.PChannels;
        var time = services.GetRequiredService<TimeProvider>();
        // Without the WAL, writes are held in memory until history takes them: a flush makes them durable.
        IWalStorage inner = !wal.Enable ? new MemoryWalStorage() : wal.Storage switch
        {
            WalStorageKind.Local => new LocalWalStorage(new LocalWalOptions { Path = wal.Path, RecoveryErrorIgnore = wal.RecoveryErrorIgnore }, time),
            WalStorageKind.Memory => new MemoryWalStorage(),
            _ => services.GetKeyedService<IWalStorage>(WalBackendKey) ?? throw new InvalidOperationException(
                $"{WalOptions.SectionName}:Storage = {wal.Storage} needs the host to register its IWalStorage under key '{WalBackendKey}'."),
        };
        // Half of the buffer bound goes to write-ahead buffers, shared evenly by the pchannels.
        var perLog = Math.Max(1L, (long)wal.BufferSizeMb * 1024 * 1024 / 2 / pchannels);
        return new BufferedWalStorage(inner, perLog, BufferMaxAge, time);
    }
}
