using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Milvus.Orleans.Channels;

namespace Milvus.Orleans.History.Checkpoints;

/// <summary>
/// Checkpoints as blobs <c>checkpoints/{pchannel}.json</c> (pchannel names are the service's own, never user text),
/// replaced by compare-and-swap on the blob's ETag, so two owners racing cannot both win and an older term never does.
/// Within a term the position only moves forward; a newer term may start lower (its log was replaced).
/// </summary>
public sealed class AzureBlobCheckpointStore(BlobContainerClient container) : ICheckpointStore
{
    public async Task<PChannelCheckpoint?> ReadAsync(string pchannel, CancellationToken cancellationToken) =>
        (await ReadWithETagAsync(pchannel, cancellationToken).ConfigureAwait(false)).Checkpoint;

    public async Task WriteAsync(PChannelCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var (current, etag) = await ReadWithETagAsync(checkpoint.PChannel, cancellationToken).ConfigureAwait(false);
            if (current is not null && current.Term > checkpoint.Term)
            {
                throw new MilvusException(
                    ErrorCode.Fenced,
                    $"pchannel '{checkpoint.PChannel}': checkpoint of term {checkpoint.Term} is fenced by term {current.Term}; it was not written.");
            }

            if (current is not null && current.Term == checkpoint.Term && current.Position > checkpoint.Position)
            {
                throw new MilvusException(
                    ErrorCode.InvalidArgument,
                    $"pchannel '{checkpoint.PChannel}': checkpoint at {checkpoint.Position} would move back from {current.Position}.");
            }

            try
            {
                var conditions = etag is { } known ? new BlobRequestConditions { IfMatch = known } : new BlobRequestConditions { IfNoneMatch = ETag.All };
                await Blob(checkpoint.PChannel).UploadAsync(BinaryData.FromBytes(checkpoint.ToJson()), new BlobUploadOptions { Conditions = conditions }, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another writer got there between the read and the write: read again and decide again.
            }
        }
    }

    private async Task<(PChannelCheckpoint? Checkpoint, ETag? ETag)> ReadWithETagAsync(string pchannel, CancellationToken cancellationToken)
    {
        try
        {
            var content = await Blob(pchannel).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return (PChannelCheckpoint.Read(content.Value.Content.ToMemory().Span), content.Value.Details.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return (null, null);
        }
    }

    private BlobClient Blob(string pchannel) => string.Equals(ChannelNames.PChannelOf(pchannel), pchannel, StringComparison.Ordinal)
        ? container.GetBlobClient(string.Create(CultureInfo.InvariantCulture, $"checkpoints/{pchannel}.json"))
        : throw new MilvusException(ErrorCode.InvalidName, $"'{pchannel}' is not a pchannel name; checkpoints are kept per pchannel.");
}
