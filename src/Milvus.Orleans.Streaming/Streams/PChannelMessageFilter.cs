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

        var passed = Of(body.VChannel).Accept(message);
        if (body.Kind == MessageKind.DropCollection && passed.Count > 0)
        {
            _vchannels.Remove(body.VChannel);
        }

        return passed;
    }

    /// <summary>The requests seen (within the window) whose copies became visible before <paramref name="position"/>.</summary>
    public IEnumerable<(string VChannel, SeenRequest Request)> SeenBefore(long position) =>
        _vchannels.SelectMany(v => v.Value.Requests.Seen.Where(r => r.At < position).Select(r => (v.Key, r)));

    /// <summary>Takes <paramref name="request"/> of <paramref name="vchannel"/> as seen, as a reader before this one saw it.</summary>
    public void Remember(string vchannel, SeenRequest request) => Of(vchannel).Requests.Remember(request);

    /// <summary>The first copy of <paramref name="requestId"/> on <paramref name="vchannel"/>, if seen within the window.</summary>
    public SeenRequest? Find(string vchannel, Guid requestId) =>
        _vchannels.TryGetValue(vchannel, out var filter) ? filter.Requests.Find(requestId) : null;

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

    private VChannelMessageFilter Of(string vchannel)
    {
        if (!_vchannels.TryGetValue(vchannel, out var filter))
        {
            filter = new VChannelMessageFilter(vchannel, VChannelMessageFilter.DefaultKeepAlive, RequestDeduplicator.DefaultWindow);
            _vchannels.Add(vchannel, filter);
        }

        return filter;
    }
}
