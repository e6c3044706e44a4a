using Orleans.Concurrency;

namespace Milvus.Orleans.Grains;

/// <summary>
/// The cluster's users (key 0), as in Milvus: each has a password, stored only as a salted PBKDF2 hash. The root user
/// is not stored: its password is the silos' configured one. With authorization on, only root creates, deletes and
/// lists users and resets passwords; a user changes its own password by giving the old one.
/// </summary>
public interface IUserDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>The most users besides root.</summary>
    const int MaxUsers = 100;

    /// <summary>Creates <paramref name="user"/> with <paramref name="password"/>.</summary>
    [ClientFacing]
    Task CreateUserAsync(string user, string password);

    /// <summary>
    /// Sets <paramref name="user"/>'s password to <paramref name="newPassword"/>; <paramref name="oldPassword"/> must be
    /// the current one unless the caller is root.
    /// </summary>
    [ClientFacing]
    Task UpdatePasswordAsync(string user, string? oldPassword, string newPassword);

    /// <summary>Deletes <paramref name="user"/>.</summary>
    [ClientFacing]
    Task DeleteUserAsync(string user);

    /// <summary>The users, root first, then sorted.</summary>
    [ClientFacing]
    [AlwaysInterleave]
    Task<IReadOnlyList<string>> ListUsersAsync();

    /// <summary>
    /// The stored credential of <paramref name="user"/>, or null: what a silo checks a token against. Interleaves, since
    /// checking the token of a call to this grain asks it.
    /// </summary>
    [AlwaysInterleave]
    Task<StoredCredential?> GetCredentialAsync(string user);
}

/// <summary>A password as stored: PBKDF2 with SHA-256 over it and a random salt.</summary>
[GenerateSerializer, Immutable]
public sealed record StoredCredential(
    [property: Id(0)] byte[] Salt,
    [property: Id(1)] byte[] Hash,
    [property: Id(2)] int Iterations);
