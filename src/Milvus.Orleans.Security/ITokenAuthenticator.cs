namespace Milvus.Orleans.Security;

/// <summary>Checks a <c>user:password</c> token the way the silo checks every client call, for the silo's other doors (its web dashboard).</summary>
public interface ITokenAuthenticator
{
    /// <summary>The user <paramref name="token"/> proves; throws <see cref="ErrorCode.Unauthenticated"/> otherwise.</summary>
    Task<string> AuthenticateAsync(string? token);
}
