using System.Globalization;

namespace Milvus.Orleans.Channels;

/// <summary>
/// Names of physical channels (one WAL each) and virtual channels (one shard of one collection). A vchannel's
/// name starts with its pchannel's, so the silo that owns a pchannel can be found from either name.
/// </summary>
public static class ChannelNames
{
    /// <summary>Prefix of every pchannel name.</summary>
    public const string PChannelPrefix = "mo-rootcoord-dml_";

    /// <summary>The name of pchannel <paramref name="index"/>.</summary>
    public static string PChannel(int index) => PChannelPrefix + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The name of shard <paramref name="shard"/> of collection <paramref name="collectionId"/> on <paramref name="pchannel"/>.</summary>
    public static string VChannel(string pchannel, long collectionId, int shard) =>
        string.Create(CultureInfo.InvariantCulture, $"{pchannel}_{collectionId}v{shard}");

    /// <summary>The key of replica <paramref name="replica"/> of <paramref name="vchannel"/>'s query delegator.</summary>
    public static string Delegator(string vchannel, int replica) =>
        string.Create(CultureInfo.InvariantCulture, $"{vchannel}r{replica}");

    /// <summary>The vchannel of a query delegator's key (see <see cref="Delegator"/>).</summary>
    public static string VChannelOfDelegator(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var r = key.LastIndexOf('r');
        return r > 0 ? key[..r] : throw new MilvusException(ErrorCode.InvalidName, $"'{key}' is not a delegator key: expected '<vchannel>r<replica>'.");
    }

    /// <summary>The replica of a query delegator's key (see <see cref="Delegator"/>), or null when <paramref name="key"/> is not one.</summary>
    public static int? ReplicaOfDelegator(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var r = key.LastIndexOf('r');
        return r > 0 && key.LastIndexOf('v') < r && int.TryParse(key.AsSpan(r + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var replica) ? replica : null;
    }

    /// <summary>
    /// The pchannel of a pchannel or vchannel name: the name itself, or the part before its last '_'.
    /// </summary>
    public static string PChannelOf(string channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        if (!channel.StartsWith(PChannelPrefix, StringComparison.Ordinal))
        {
            throw new MilvusException(ErrorCode.InvalidName, $"'{channel}' is not a channel name: expected '{PChannelPrefix}<n>[_<collection>v<shard>]'.");
        }

        var last = channel.LastIndexOf('_');
        return last < PChannelPrefix.Length ? channel : channel[..last];
    }

    /// <summary>The index of the pchannel of a pchannel or vchannel name (see <see cref="PChannel"/>).</summary>
    public static int PChannelIndex(string channel)
    {
        var pchannel = PChannelOf(channel);
        return int.TryParse(pchannel.AsSpan(PChannelPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            ? index
            : throw new MilvusException(ErrorCode.InvalidName, $"'{channel}' is not a channel name: expected '{PChannelPrefix}<n>[_<collection>v<shard>]'.");
    }

    /// <summary>Splits a vchannel name into its pchannel, collection id and shard.</summary>
    public static (string PChannel, long CollectionId, int Shard) ParseVChannel(string vchannel)
    {
        var pchannel = PChannelOf(vchannel);
        var rest = vchannel.AsSpan(Math.Min(vchannel.Length, pchannel.Length + 1));
        var v = rest.IndexOf('v');
        if (pchannel.Length == vchannel.Length || v <= 0
            || !long.TryParse(rest[..v], NumberStyles.None, CultureInfo.InvariantCulture, out var collectionId)
            || !int.TryParse(rest[(v + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var shard))
        {
            throw new MilvusException(ErrorCode.InvalidName, $"'{vchannel}' is not a vchannel name: expected '{PChannelPrefix}<n>_<collection>v<shard>'.");
        }

        return (pchannel, collectionId, shard);
    }
}
