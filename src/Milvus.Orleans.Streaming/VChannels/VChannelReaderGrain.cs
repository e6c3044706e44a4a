using System.Runtime.CompilerServices;
using Milvus.Orleans.Channels;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Streaming.Placement;
using Milvus.Orleans.Streaming.Wal;
using Milvus.Orleans.Wal.Storage;
using Orleans.Concurrency;

namespace Milvus.Orleans.Streaming.VChannels;

/// <summary>
/// Serves a vchannel's subscribers, many readings side by side. Placed with the pchannel's owner, so tail reads
/// come from its write-ahead buffer and wake on each append; after a move it keeps reading storage, which
/// follows the new owner.
/// </summary>
[ChannelPlacement]
[Reentrant]
internal sealed class VChannelReaderGrain(IWalStorage storage, MessageCodec codec) : Grain, IVChannelReaderGrain
{
    public async IAsyncEnumerable<LoggedMessage> ReadAsync(long from, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        var vchannel = this.GetPrimaryKeyString();
        var filter = new VChannelMessageFilter(vchannel, VChannelMessageFilter.DefaultKeepAlive, RequestDeduplicator.DefaultWindow);
        var records = storage.ReadAsync(ChannelNames.PChannelOf(vchannel), new WalPosition(from), follow: true, cancellationToken);
        await foreach (var record in records.ConfigureAwait(true))
        {
            foreach (var message in filter.Accept(codec.Decode(record)))
            {
                yield return message;
            }
        }
    }
}
