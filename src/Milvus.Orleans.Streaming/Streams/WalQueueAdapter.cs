using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Channels;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Streaming.Configuration;
using Milvus.Orleans.Streaming.Wal;
using Milvus.Orleans.Wal.Storage;
using Orleans.Configuration;
using Orleans.Streams;

namespace Milvus.Orleans.Streaming.Streams;

/// <summary>
/// The persistent stream provider <see cref="VChannelStreams.ProviderName"/>: its queues are the pchannels' logs,
/// its streams the vchannels. Read-only: messages are written by the streaming service (write with the client).
/// </summary>
internal sealed class WalQueueAdapterFactory : IQueueAdapterFactory, IQueueAdapter, IQueueAdapterCache
{
    /// <summary>How much of the newest messages each pchannel's cache keeps for cursors at the tail.</summary>
    private const long WindowBytes = 4 * 1024 * 1024;

    private readonly IWalStorage _storage;
    private readonly MessageCodec _codec;
    private readonly IStreamQueueCheckpointerFactory _checkpoints;
    private readonly PChannelQueueMapper _mapper;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ConcurrentDictionary<QueueId, PChannelReading> _readings = new();

    private WalQueueAdapterFactory(
        string name, IWalStorage storage, MessageCodec codec, IStreamQueueCheckpointerFactory checkpoints, PChannelQueueMapper mapper, TimeProvider time, ILoggerFactory loggers)
    {
        Name = name;
        (_storage, _codec, _checkpoints, _mapper, _time, _loggers) = (storage, codec, checkpoints, mapper, time, loggers);
    }

    public string Name { get; }

    public bool IsRewindable => true;

    public StreamProviderDirection Direction => StreamProviderDirection.ReadOnly;

    /// <summary>Creates the provider <paramref name="name"/>; checkpoints go to the <c>PubSubStore</c> grain storage.</summary>
    public static WalQueueAdapterFactory Create(IServiceProvider services, string name)
    {
        var checkpoints = new GrainStreamQueueCheckpointerFactory(
            name,
            services.GetRequiredService<IOptions<ClusterOptions>>(),
            services.GetRequiredService<IClusterClient>(),
            new GrainStreamQueueCheckpointerOptions { CheckpointComparer = StreamCheckpointComparers.Numeric, PersistInterval = TimeSpan.FromSeconds(5) });
        return new WalQueueAdapterFactory(
            name,
            services.GetRequiredService<IWalStorage>(),
            services.GetRequiredService<MessageCodec>(),
            checkpoints,
            new PChannelQueueMapper(name, services.GetRequiredService<IOptions<StreamingOptions>>().Value.PChannels),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILoggerFactory>());
    }

    public Task<IQueueAdapter> CreateAdapter() => Task.FromResult<IQueueAdapter>(this);

    public IQueueAdapterCache GetQueueAdapterCache() => this;

    public IStreamQueueMapper GetStreamQueueMapper() => _mapper;

    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) => Task.FromResult<IStreamFailureHandler>(new NoOpStreamDeliveryFailureHandler());

    public Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext) =>
        throw new NotSupportedException($"Stream provider '{Name}' is read-only: vchannel streams carry what the streaming service logged; write through MilvusClient.");

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId) => new WalQueueReceiver(
        Reading(queueId), _storage, _codec, _checkpoints, _time, _loggers.CreateLogger<WalQueueReceiver>());

    public IQueueCache CreateQueueCache(QueueId queueId) => new VChannelQueueCache(
        Reading(queueId), WindowBytes, _storage, _codec, _time, _loggers.CreateLogger<VChannelQueueCache>());

    private PChannelReading Reading(QueueId queueId) => _readings.GetOrAdd(queueId, id => new PChannelReading(PChannelQueueMapper.PChannelOf(id)));
}

/// <summary>One queue per pchannel; a vchannel's stream goes to its pchannel's queue.</summary>
internal sealed class PChannelQueueMapper(string providerName, int pchannels) : IStreamQueueMapper
{
    private readonly QueueId[] _queues = [.. Enumerable.Range(0, pchannels).Select(i => QueueId.GetQueueId(providerName, (uint)i, (uint)i))];

    public IEnumerable<QueueId> GetAllQueues() => _queues;

    public QueueId GetQueueForStream(StreamId streamId)
    {
        var vchannel = streamId.GetKeyAsString();
        if (streamId.GetNamespace() != VChannelStreams.Namespace)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"Stream '{streamId}' is not a vchannel stream: use VChannelStreams.Of(vchannel), namespace '{VChannelStreams.Namespace}'.");
        }

        var index = ChannelNames.PChannelIndex(vchannel);
        return index < _queues.Length
            ? _queues[index]
            : throw new MilvusException(ErrorCode.InvalidArgument, $"vchannel '{vchannel}' is on pchannel {index}, but this cluster has {_queues.Length}.");
    }

    /// <summary>The pchannel a queue reads.</summary>
    public static string PChannelOf(QueueId queue) => ChannelNames.PChannel((int)queue.GetNumericId());
}
