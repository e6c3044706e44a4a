using System.Collections.Concurrent;
using System.Reflection;
using Milvus.Orleans.Grains;

namespace Milvus.Orleans.Security;

/// <summary>
/// Which calls clients may make and where they come from. Of the service's own grains, clients reach only methods
/// marked <see cref="ClientFacingAttribute"/>; of Orleans' management grain only its <c>Get</c> queries; Orleans' other
/// interfaces (extensions such as async enumeration) stay open, behind authentication.
/// </summary>
internal static class ClientSurface
{
    private const string HostedClientPrefix = "hosted-";
    private const string ClusterManifest = "IClusterManifestSystemTarget";
    private static readonly string OwnNamespace = typeof(ClientFacingAttribute).Namespace!;
    private static readonly ConcurrentDictionary<MethodInfo, bool> Allowed = new();

    /// <summary>
    /// Whether a call from <paramref name="source"/> comes from outside the cluster: a client process (or an object it
    /// registered). Calls from grains, system targets and code running inside a silo (Orleans' hosted client, whose
    /// key names its silo) do not. A call without a source is treated as a client's.
    /// </summary>
    public static bool IsClient(GrainId? source) =>
        source is not { } id
        || (GrainTypePrefix.IsClient(id) && !id.Key.ToString().StartsWith(HostedClientPrefix, StringComparison.Ordinal));

    /// <summary>Whether a client may call <paramref name="method"/>.</summary>
    public static bool Allows(MethodInfo? method) => method is not null && Allowed.GetOrAdd(method, Decide);

    /// <summary>
    /// Whether a client may call <paramref name="method"/> before it authenticated: only the cluster manifest, which
    /// Orleans' client fetches while it connects, before any call of the application could carry a token.
    /// </summary>
    public static bool IsOpen(MethodInfo? method) => method?.DeclaringType?.Name == ClusterManifest;

    private static bool Decide(MethodInfo method)
    {
        var declaring = method.DeclaringType!;
        if (string.Equals(declaring.Namespace, OwnNamespace, StringComparison.Ordinal))
        {
            return declaring.IsDefined(typeof(ClientFacingAttribute), inherit: false) || method.IsDefined(typeof(ClientFacingAttribute), inherit: false);
        }

        return declaring != typeof(IManagementGrain) || method.Name.StartsWith("Get", StringComparison.Ordinal);
    }
}
