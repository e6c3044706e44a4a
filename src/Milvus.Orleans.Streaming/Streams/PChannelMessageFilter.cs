using Milvus.Orleans.Messages;

namespace Milvus.Orleans.Streaming.Streams;

/// <summary>
/// <see cref="VChannelMessageFilter"/> for every vchannel of one pchannel at once, for a reader of the whole log.
/// Time ticks only age open transactions; they are not passed on.
/// </summary>
internal sealed class PChannelMessageFilter
{
    private readonly Dictionary<string, VChannelMessageFilter> _vchannels = new(StringComparer.Ordinal);

    /// <summary>The messages of any vchannel that become visible with <paramref name="message"/>, in order.</summary>
    public IReadOnlyList<LoggedMessage> Accept(LoggedMessage message)
    {
        var body = message.Message;
        if (body.Kind == MessageKind.TimeTick)
        {
            foreach (var filter in _vchannels.Values)
            {
                filter.Accept(message);
            }

            return [];
        }

        if (!_vchannels.TryGetValue(body.VChannel, out var vchannel))
        {
            vchannel = new VChannelMessageFilter(body.VChannel, VChannelMessageFilter.DefaultKeepAlive, RequestDeduplicator.DefaultWindow);
            _vchannels.Add(body.VChannel, vchannel);
        }

        var passed = vchannel.Accept(message);
        if (body.Kind == MessageKind.DropCollection && passed.Count > 0)
        {
            _vchannels.Remove(body.VChannel);
        }

        return passed;
    }

    /// <summary>Where reading resumes to miss nothing of any vchannel after a message whose next id is <paramref name="next"/>.</summary>
    public long ResumeAt(long next)
    {
        foreach (var vchannel in _vchannels.Values)
        {
            if (vchannel.OpenTransactions > 0)
            {
                next = vchannel.ResumeAt(next);
            }
        }

        return next;
    }
}
