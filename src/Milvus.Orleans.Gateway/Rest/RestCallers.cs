using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;
using Milvus.Orleans.Client;

namespace Milvus.Orleans.Gateway.Rest;

/// <summary>
/// Who a request is for. The gateway has no identity of its own: each request's token (<c>user:password</c>) goes with
/// every grain call it makes, and the silos check it. Before a request reads a cached schema (whose names an error
/// could reveal), its token is proved by one call of its own; a proved token is trusted for <see cref="Trust"/>, so
/// a changed password or a deleted user takes effect here within that time, as in Milvus' proxy credential cache.
/// </summary>
internal sealed class RestCallers(MilvusClient client, TimeProvider time)
{
    /// <summary>How long a proved token is trusted without proving it again.</summary>
    public static readonly TimeSpan Trust = TimeSpan.FromSeconds(10);

    /// <summary>Tokens remembered at most; beyond, the memory is cleared (proving again costs one call).</summary>
    private const int MaxRemembered = 10_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _proved = new(StringComparer.Ordinal);

    /// <summary>
    /// The token of an <c>Authorization</c> header: <c>Bearer user:password</c> (or an API key, which the silos refuse),
    /// <c>Basic base64(user:password)</c>; null when absent or empty (the Node SDK sends <c>Bearer </c> without a token).
    /// </summary>
    public static string? TokenOf(StringValues authorization)
    {
        var header = authorization.ToString().Trim();
        if (header.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            var token = header["Bearer".Length..].Trim();
            return token.Length == 0 ? null : token;
        }

        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                return Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
            }
            catch (FormatException)
            {
                throw new RestException(RestCode.NotAuthenticated, "the Basic credentials are not base64");
            }
        }

        return header.Length == 0 ? null : throw new RestException(RestCode.NotAuthenticated, "the Authorization header must be 'Bearer user:password' or 'Basic …'");
    }

    /// <summary>
    /// Sets <paramref name="token"/> as the caller of the grain calls that follow on this flow, and proves it unless it
    /// was proved lately: throws <see cref="ErrorCode.Unauthenticated"/> when the cluster refuses it.
    /// </summary>
    /// <remarks>Not async: the request context is set on the caller's flow, which an async method would restore on return.</remarks>
    public Task ActAsAsync(string? token, CancellationToken cancellationToken)
    {
        // An empty token, never none: a client configured with a token of its own adds it only to calls that carry none.
        RequestContext.Set(CallerIdentity.TokenKey, token ?? "");

        return ProveAsync(token, cancellationToken);
    }

    private async Task ProveAsync(string? token, CancellationToken cancellationToken)
    {
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token ?? "")));
        var now = time.GetUtcNow();
        if (_proved.TryGetValue(key, out var until) && until > now)
        {
            return;
        }

        // Any client-facing call the silos authenticate proves it; one timestamp is the cheapest.
        await client.AllocateTimestampAsync(cancellationToken).ConfigureAwait(false);
        if (_proved.Count >= MaxRemembered)
        {
            _proved.Clear();
        }

        _proved[key] = now + Trust;
    }
}
