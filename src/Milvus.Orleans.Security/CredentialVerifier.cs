using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Grains;

namespace Milvus.Orleans.Security;

/// <summary>
/// Checks a client's <c>user:password</c> token on this silo: root against the configured password, other users
/// against their stored hash. A token that checked out is trusted for <see cref="TrustFor"/> (keyed by its SHA-256,
/// never the password), so a changed password or a deleted user stops working within that time. Hash checks run at
/// most a few at a time, so a flood of wrong tokens costs bounded CPU.
/// </summary>
internal sealed class CredentialVerifier(IGrainFactory grains, IOptions<SecurityOptions> options, TimeProvider time) : ITokenAuthenticator, IDisposable
{
    /// <summary>How long a verified token is trusted without asking again.</summary>
    public static readonly TimeSpan TrustFor = TimeSpan.FromSeconds(10);

    private const int MaxTrusted = 10_000;
    private readonly ConcurrentDictionary<string, (string User, long Since)> _trusted = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _hashing = new(Math.Max(1, Environment.ProcessorCount / 2));

    /// <inheritdoc />
    public async Task<string> AuthenticateAsync(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            throw Unauthenticated("the call carries no token. Authorization is on: give user:password (MilvusClientOptions.Token, or configuration Milvus:Token)");
        }

        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        if (_trusted.TryGetValue(key, out var trusted) && time.GetElapsedTime(trusted.Since) < TrustFor)
        {
            return trusted.User;
        }

        var colon = token.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw Unauthenticated("the token is not user:password");
        }

        var user = token[..colon];
        var password = token[(colon + 1)..];
        if (!await MatchesAsync(user, password).ConfigureAwait(false))
        {
            throw Unauthenticated($"user '{(user.Length > 40 ? user[..40] + "…" : user)}' does not exist or the password is wrong");
        }

        if (_trusted.Count >= MaxTrusted)
        {
            _trusted.Clear();
        }

        _trusted[key] = (user, time.GetTimestamp());
        return user;
    }

    private async Task<bool> MatchesAsync(string user, string password)
    {
        if (user == CallerIdentity.RootUser)
        {
            return options.Value.RootPassword is { Length: > 0 } root && Passwords.SameSecret(password, root);
        }

        var credential = await grains.GetGrain<IUserDirectoryGrain>(0).GetCredentialAsync(user).ConfigureAwait(false);
        if (credential is null)
        {
            return false;
        }

        await _hashing.WaitAsync().ConfigureAwait(false);
        try
        {
            return await Task.Run(() => Passwords.Matches(password, credential)).ConfigureAwait(false);
        }
        finally
        {
            _hashing.Release();
        }
    }

    public void Dispose() => _hashing.Dispose();

    private static MilvusException Unauthenticated(string problem) => new(ErrorCode.Unauthenticated, $"Not authenticated: {problem}.");
}
