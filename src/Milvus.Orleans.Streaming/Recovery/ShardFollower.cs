using Microsoft.Extensions.Logging;
using Milvus.Orleans.Data;
using Milvus.Orleans.History.Checkpoints;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Streaming.Reads;
using Milvus.Orleans.Streaming.Streams;
using Milvus.Orleans.Streaming.Wal;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Streaming.Recovery;

/// <summary>What a <see cref="ShardFollower"/> needs from its silo.</summary>
internal sealed record FollowerServices(IWalStorage Storage, MessageCodec Codec, TimeProvider Time, ILogger Logger);

/// <summary>
/// One shard's growing data on a silo that does not own its pchannel, for a read replica: tails the pchannel's log in
/// storage from a checkpoint, on the thread pool, and keeps the shard's rows and deletes that history does not hold
/// yet. It writes nothing: sealing, history and truncation stay with the owner. Its delegator moves history's new
/// segments onto query nodes and then <see cref="Cover">covers</see> them here, which drops their rows from memory,
/// so every read sees each row once, here or on a node.
/// </summary>
/// <remarks>
/// A partition's segments in history hold its messages contiguously, and a seal falls between records, so "history
/// holds the partition's records before the segment's end position" is exact. When the owner truncates the log past
/// what this follower has read (it fell behind), it stops and says so (<see cref="Behind"/>): its delegator starts a
/// new one from a newer checkpoint.
/// </remarks>
internal sealed partial class ShardFollower : IFollowedShard
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    private readonly string _vchannel;
    private readonly FollowerServices _services;
    private readonly PChannelMessageFilter _filter = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<long, List<TailEntry>> _tail = [];
    private readonly Dictionary<long, long> _covered = [];
    private readonly List<FollowedDeletes> _deletes = [];
    private readonly AppliedWaiters _appliedWaiters = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private CollectionInfo _collection;
    private HybridTimestamp _applied;
    private long _next;
    private long _deleteSeq;
    private MilvusException? _stopped;

    /// <param name="vchannel">The shard followed.</param>
    /// <param name="collection">Its collection as the catalog knows it now.</param>
    /// <param name="checkpoint">The pchannel's checkpoint to start from (null: the log's beginning).</param>
    /// <param name="inHistory">The shard's segments in history, read after the checkpoint, all on query nodes.</param>
    /// <param name="services">What it needs from the silo.</param>
    public ShardFollower(string vchannel, CollectionInfo collection, PChannelCheckpoint? checkpoint, IEnumerable<SegmentManifest> inHistory, FollowerServices services)
    {
        ArgumentNullException.ThrowIfNull(inHistory);
        _vchannel = vchannel;
        _collection = collection;
        _services = services;
        PChannel = Channels.ChannelNames.PChannelOf(vchannel);
        _next = checkpoint?.Position ?? 0;
        _applied = new HybridTimestamp((ulong)(checkpoint?.Timestamp ?? 0));
        foreach (var request in (checkpoint?.Requests ?? []).Where(r => string.Equals(r.VChannel, vchannel, StringComparison.Ordinal)))
        {
            _filter.Remember(vchannel, new SeenRequest(request.RequestId, request.TxnId, request.PhysicalMs, request.From, request.At));
        }

        foreach (var manifest in inHistory)
        {
            CoverLocked(manifest.PartitionId, manifest.EndPosition);
        }

        _running = Task.Run(RunAsync, CancellationToken.None);
    }

    public string PChannel { get; }

    /// <summary>Whether the log no longer holds what this follower must read next: a new one must start from a newer checkpoint.</summary>
    public bool Behind { get; private set; }

    /// <summary>The shard's data in memory now, and the deletes after the <paramref name="deletesTaken"/>-th (which it forgets).</summary>
    public FollowerSnapshot Snapshot(long deletesTaken)
    {
        lock (_gate)
        {
            _deletes.RemoveAll(d => d.Seq <= deletesTaken);
            var growing = _tail.Where(t => t.Value.Count > 0)
                .Select(t => new GrowingView(
                    new SegmentKey(_collection.Id, t.Key, t.Value[0].Ts),
                    [.. t.Value.Select(e => (e.Rows, e.Ts))],
                    []))
                .ToArray();
            return new FollowerSnapshot(_applied, growing, [.. _deletes]);
        }
    }

    /// <summary>History holds partition <paramref name="partitionId"/>'s records before <paramref name="endPosition"/>, on query nodes: their rows leave memory.</summary>
    public void Cover(long partitionId, long endPosition)
    {
        lock (_gate)
        {
            CoverLocked(partitionId, endPosition);
        }
    }

    /// <summary>Completes once the log was read up to <paramref name="ts"/> (time ticks included).</summary>
    public Task WaitAppliedAsync(HybridTimestamp ts, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _stopped is not null && _applied < ts ? Task.FromException(_stopped) : _appliedWaiters.WaitAsync(_applied, ts, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
        StopWaiting($"Shard '{_vchannel}': this replica stopped following the log; retry.");
    }

    private async Task RunAsync()
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested && !Behind)
        {
            try
            {
                await FollowAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Storage briefly unreachable: go on from the next record, nothing taken is lost.
                LogRetrying(_services.Logger, _vchannel, _next, ex);
                await Task.Delay(RetryDelay, _services.Time, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task FollowAsync(CancellationToken stop)
    {
        await foreach (var record in _services.Storage.ReadAsync(PChannel, new WalPosition(_next), follow: true, stop).ConfigureAwait(false))
        {
            if (record.Id.Value != _next)
            {
                // Truncated past this follower's position: what it missed is in history, but which of it is not known here.
                LogBehind(_services.Logger, _vchannel, _next, record.Id.Value);
                Behind = true;
                StopWaiting($"Shard '{_vchannel}': this replica fell behind the log's truncation and starts again from a newer checkpoint; retry.");
                return;
            }

            LoggedMessage message;
            try
            {
                message = _services.Codec.Decode(record);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The owner decides what an unreadable record costs; a replica can only step over it.
                LogSkipped(_services.Logger, _vchannel, record.Id.Value, ex.Message);
                _next = record.Next.Value;
                continue;
            }

            lock (_gate)
            {
                Take(message);
                _next = record.Next.Value;
                _applied = message.Ts;
                _appliedWaiters.Complete(_applied);
            }
        }
    }

    private void Take(LoggedMessage message)
    {
        var body = message.Message;
        if (body.Kind != MessageKind.TimeTick && !string.Equals(body.VChannel, _vchannel, StringComparison.Ordinal))
        {
            return;
        }

        foreach (var passed in _filter.Accept(message))
        {
            var visible = passed.Message;
            if (visible.IsDdl)
            {
                ApplyDdl(visible.Collection!);
            }
            else if (visible.Kind is MessageKind.Insert or MessageKind.Upsert or MessageKind.Delete)
            {
                ApplyData(passed);
            }
        }
    }

    private void ApplyDdl(CollectionInfo collection)
    {
        _collection = collection;
        var kept = collection.IsDropped ? [] : new HashSet<long>(collection.PartitionIds ?? []);
        foreach (var partition in _tail.Keys.Where(p => !kept.Contains(p)).ToArray())
        {
            _tail.Remove(partition);
        }
    }

    private void ApplyData(LoggedMessage message)
    {
        var body = message.Message;
        var schema = _collection.Schema;
        if (_collection.IsDropped || _collection.PartitionId(body.Partition ?? _collection.Partitions[0]) is not { } partition
            || message.Id < _covered.GetValueOrDefault(partition))
        {
            return;
        }

        try
        {
            GrowingSegment.Check(body, schema);
        }
        catch (InvalidDataException ex)
        {
            LogSkipped(_services.Logger, _vchannel, message.Id, ex.Message);
            return;
        }

        var ts = checked((long)message.Ts.Value);
        if (body.Kind is MessageKind.Upsert or MessageKind.Delete)
        {
            var keys = body.Kind == MessageKind.Upsert ? body.Rows!.Column(schema.PrimaryKey.Name)! : FieldColumn.Of(schema.PrimaryKey, body.Keys!.Values);
            _deletes.Add(new FollowedDeletes(++_deleteSeq, keys, ts));
        }

        if (body.Kind is MessageKind.Insert or MessageKind.Upsert)
        {
            if (!_tail.TryGetValue(partition, out var entries))
            {
                _tail[partition] = entries = [];
            }

            entries.Add(new TailEntry(message.Id, body.Rows!, ts));
        }
    }

    private void CoverLocked(long partitionId, long endPosition)
    {
        if (endPosition <= _covered.GetValueOrDefault(partitionId))
        {
            return;
        }

        _covered[partitionId] = endPosition;
        if (_tail.TryGetValue(partitionId, out var entries))
        {
            entries.RemoveAll(e => e.RecordId < endPosition);
        }
    }

    /// <summary>Reads waiting for more of the log hear that this follower reads no more, and retry (on another replica, or a new follower).</summary>
    private void StopWaiting(string why)
    {
        lock (_gate)
        {
            _stopped ??= new MilvusException(ErrorCode.ChannelNotReady, why);
            _appliedWaiters.Fail(_stopped);
        }
    }

    /// <summary>Rows of one message of a partition, with the record that carried them.</summary>
    private sealed record TailEntry(long RecordId, RowBatch Rows, long Ts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Follower of {VChannel}: reading the log from {Position} failed; retrying")]
    private static partial void LogRetrying(ILogger logger, string vchannel, long position, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Follower of {VChannel}: the log was truncated past {Position} (it starts at {First} now); a newer checkpoint is needed")]
    private static partial void LogBehind(ILogger logger, string vchannel, long position, long first);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Follower of {VChannel}: record {Id} is stepped over ({Reason})")]
    private static partial void LogSkipped(ILogger logger, string vchannel, long id, string reason);
}
