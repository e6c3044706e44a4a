using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Milvus.Orleans.Security;

/// <summary>
/// The boundary every client call crosses on the silo that runs it: a call to a method not meant for clients is
/// refused (<see cref="ErrorCode.PermissionDenied"/>) before it runs; with authorization on, its token must name a user
/// (<see cref="ErrorCode.Unauthenticated"/>), who is then the call's <see cref="CallerIdentity.User"/>; and a failure
/// the service did not foresee reaches the client as <see cref="ErrorCode.Internal"/>, logged here, never as a crash or
/// a stack of internal exceptions. Calls between silos pass untouched. It runs on the called activation, so it awaits
/// plainly: the grain method must resume there.
/// </summary>
internal sealed partial class ClientCallFilter(
    CredentialVerifier verifier,
    IOptions<SecurityOptions> options,
    ILogger<ClientCallFilter> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (!ClientSurface.IsClient(context.SourceId))
        {
            await context.Invoke().ConfigureAwait(true);
            return;
        }

        // A client's user is what its token proves, never what its request context claims.
        RequestContext.Remove(CallerIdentity.UserKey);
        var what = $"{context.InterfaceMethod?.DeclaringType?.Name ?? context.InterfaceName}.{context.MethodName}";
        if (!ClientSurface.Allows(context.InterfaceMethod))
        {
            LogRefused(logger, what, context.SourceId);
            throw new MilvusException(ErrorCode.PermissionDenied, $"{what} is not for clients: only the service's silos call it.");
        }

        if (options.Value.AuthorizationEnabled && !ClientSurface.IsOpen(context.InterfaceMethod))
        {
            RequestContext.Set(CallerIdentity.UserKey, await verifier.AuthenticateAsync(RequestContext.Get(CallerIdentity.TokenKey) as string).ConfigureAwait(true));
        }

        try
        {
            await context.Invoke().ConfigureAwait(true);
        }
        catch (Exception ex) when (IsUnforeseen(ex))
        {
            LogFailed(logger, what, ex);
            throw new MilvusException(ErrorCode.Internal, $"{what} failed: {ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>Errors the service raises on purpose, and Orleans' own signals that clients retry, pass as they are.</summary>
    private static bool IsUnforeseen(Exception error) =>
        error is not (MilvusException or OrleansException or TimeoutException or OperationCanceledException);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Call} from client {Source}: not a client-facing method")]
    private static partial void LogRefused(ILogger logger, string call, GrainId? source);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Call} from a client failed unexpectedly")]
    private static partial void LogFailed(ILogger logger, string call, Exception exception);
}
