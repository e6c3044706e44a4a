using Milvus.Orleans.Grains;

namespace Milvus.Orleans.Client;

/// <summary>Users and passwords, as Milvus' credential API: with authorization on, root manages them.</summary>
public sealed partial class MilvusClient
{
    private IUserDirectoryGrain Users => cluster.GetGrain<IUserDirectoryGrain>(0);

    /// <summary>Creates <paramref name="user"/> (a letter, then letters, digits or '_', up to 32) with a password of 6..256 characters.</summary>
    public Task CreateUserAsync(string user, string password, CancellationToken cancellationToken = default) =>
        RetryAsync(() => Done(Users.CreateUserAsync(user, password)), cancellationToken);

    /// <summary>Changes <paramref name="user"/>'s password; a user other than root gives its old one.</summary>
    public Task UpdatePasswordAsync(string user, string? oldPassword, string newPassword, CancellationToken cancellationToken = default) =>
        RetryAsync(() => Done(Users.UpdatePasswordAsync(user, oldPassword, newPassword)), cancellationToken);

    /// <summary>Deletes <paramref name="user"/>.</summary>
    public Task DeleteUserAsync(string user, CancellationToken cancellationToken = default) =>
        RetryAsync(() => Done(Users.DeleteUserAsync(user)), cancellationToken);

    /// <summary>The users, root first.</summary>
    public Task<IReadOnlyList<string>> ListUsersAsync(CancellationToken cancellationToken = default) =>
        RetryAsync(Users.ListUsersAsync, cancellationToken, idempotent: true);

    private static async Task<bool> Done(Task call)
    {
        await call.ConfigureAwait(false);
        return true;
    }
}
