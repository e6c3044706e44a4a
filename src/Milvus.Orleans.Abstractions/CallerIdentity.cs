namespace Milvus.Orleans;

/// <summary>
/// Who a call is for, as it travels in Orleans' request context: the client's token (<c>user:password</c>, as in Milvus)
/// and, once a silo has checked it, the user it names. A silo drops any user a client claims and sets it only from a
/// token it verified, so grains can trust <see cref="User"/>.
/// </summary>
public static class CallerIdentity
{
    /// <summary>The request context key of the token a client sends.</summary>
    public const string TokenKey = "milvus-token";

    /// <summary>The request context key of the user a silo verified.</summary>
    public const string UserKey = "milvus-user";

    /// <summary>The user every cluster has, whose password is the silos' configured one.</summary>
    public const string RootUser = "root";

    /// <summary>The verified user of the current call, or null when authorization is off (or the call began inside the cluster).</summary>
    public static string? User => RequestContext.Get(UserKey) as string;
}
