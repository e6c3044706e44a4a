using Microsoft.Extensions.Logging;
using Milvus.Orleans.Schema;
using Milvus.Orleans.History.Checkpoints;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Streaming.Recovery;
using Milvus.Orleans.Streaming.Wal;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Streaming.Reads;

/// <summary>The silo's <see cref="IShardReads"/>: its running recoveries, and followers of logs in storage.</summary>
internal sealed class ShardReads(RunningRecoveries running, IWalStorage storage, MessageCodec codec, TimeProvider time, ILogger<ShardFollower> logger) : IShardReads
{
    public IRecoveredChannel? Recovering(string pchannel) => running.Find(pchannel);

    public IFollowedShard Follow(string vchannel, CollectionInfo collection, PChannelCheckpoint? checkpoint, IEnumerable<SegmentManifest> inHistory) =>
        new ShardFollower(vchannel, collection, checkpoint, inHistory, new FollowerServices(storage, codec, time, logger));
}
