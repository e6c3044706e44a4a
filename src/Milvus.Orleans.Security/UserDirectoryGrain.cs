using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Grains;

namespace Milvus.Orleans.Security;

/// <summary>The users' persisted part: each user's salted password hash.</summary>
[GenerateSerializer]
internal sealed class UserDirectoryState
{
    [Id(0)]
    public Dictionary<string, StoredCredential> Users { get; set; } = [];
}

/// <summary>
/// The users of the cluster. Non-reentrant, so changes apply one at a time; <see cref="GetCredentialAsync"/>
/// interleaves, since silos ask it while checking the token of any call, this grain's own included.
/// </summary>
internal sealed partial class UserDirectoryGrain(
    [PersistentState("users")] IPersistentState<UserDirectoryState> state,
    IOptions<SecurityOptions> options,
    ILogger<UserDirectoryGrain> logger) : Grain, IUserDirectoryGrain
{
    private Dictionary<string, StoredCredential> Users => state.State.Users;

    public async Task CreateUserAsync(string user, string password)
    {
        RequireRoot("create users");
        CheckName(user);
        CheckPassword(password);
        if (user == CallerIdentity.RootUser || Users.ContainsKey(user))
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"User '{user}' exists already.");
        }

        if (Users.Count >= IUserDirectoryGrain.MaxUsers)
        {
            throw new MilvusException(ErrorCode.LimitExceeded, $"The cluster has {IUserDirectoryGrain.MaxUsers} users besides root, the most it takes; delete one before creating '{user}'.");
        }

        Users[user] = await Task.Run(() => Passwords.Hash(password)).ConfigureAwait(true);
        await state.WriteStateAsync().ConfigureAwait(true);
        LogCreated(logger, user, CallerIdentity.User);
    }

    public async Task UpdatePasswordAsync(string user, string? oldPassword, string newPassword)
    {
        CheckName(user);
        CheckPassword(newPassword);
        if (user == CallerIdentity.RootUser)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"The root user's password is the silos' {SecurityOptions.SectionName}:RootPassword; change it there.");
        }

        var current = Users.GetValueOrDefault(user) ?? throw NoSuchUser(user);
        if (!IsRootOrOpen())
        {
            if (CallerIdentity.User != user)
            {
                throw new MilvusException(ErrorCode.PermissionDenied, $"Only root or '{user}' itself may change the password of '{user}'.");
            }

            if (oldPassword is null || !await Task.Run(() => Passwords.Matches(oldPassword, current)).ConfigureAwait(true))
            {
                throw new MilvusException(ErrorCode.PermissionDenied, $"The old password of '{user}' is wrong.");
            }
        }

        Users[user] = await Task.Run(() => Passwords.Hash(newPassword)).ConfigureAwait(true);
        await state.WriteStateAsync().ConfigureAwait(true);
        LogPasswordChanged(logger, user, CallerIdentity.User);
    }

    public async Task DeleteUserAsync(string user)
    {
        RequireRoot("delete users");
        if (user == CallerIdentity.RootUser)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, "The root user cannot be deleted.");
        }

        if (!Users.Remove(user))
        {
            throw NoSuchUser(user);
        }

        await state.WriteStateAsync().ConfigureAwait(true);
        LogDeleted(logger, user, CallerIdentity.User);
    }

    public Task<IReadOnlyList<string>> ListUsersAsync()
    {
        RequireRoot("list users");
        return Task.FromResult<IReadOnlyList<string>>([CallerIdentity.RootUser, .. Users.Keys.Order(StringComparer.Ordinal)]);
    }

    public Task<StoredCredential?> GetCredentialAsync(string user) => Task.FromResult(user is null ? null : Users.GetValueOrDefault(user));

    /// <summary>With authorization on, the caller must have proved to be root; with it off, anyone may.</summary>
    private bool IsRootOrOpen() => !options.Value.AuthorizationEnabled || CallerIdentity.User == CallerIdentity.RootUser;

    private void RequireRoot(string what)
    {
        if (!IsRootOrOpen())
        {
            throw new MilvusException(ErrorCode.PermissionDenied, $"Only root may {what}; the call is from '{CallerIdentity.User ?? "(nobody)"}'.");
        }
    }

    private static void CheckName(string? user)
    {
        if (user is null || !UserName().IsMatch(user))
        {
            var shown = user is null ? "null" : $"'{(user.Length > 40 ? user[..40] + "…" : user)}'";
            throw new MilvusException(ErrorCode.InvalidArgument, $"Invalid user name {shown}: expected a letter followed by letters, digits or '_', 1..32 characters.");
        }
    }

    private static void CheckPassword(string? password)
    {
        if (!Passwords.IsValid(password))
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"A password has {Passwords.MinLength}..{Passwords.MaxLength} characters; this one has {password?.Length ?? 0}.");
        }
    }

    private static MilvusException NoSuchUser(string user) => new(ErrorCode.InvalidArgument, $"User '{user}' does not exist.");

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex UserName();

    [LoggerMessage(Level = LogLevel.Information, Message = "User {User} created by {Caller}")]
    private static partial void LogCreated(ILogger logger, string user, string? caller);

    [LoggerMessage(Level = LogLevel.Information, Message = "Password of user {User} changed by {Caller}")]
    private static partial void LogPasswordChanged(ILogger logger, string user, string? caller);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {User} deleted by {Caller}")]
    private static partial void LogDeleted(ILogger logger, string user, string? caller);
}
