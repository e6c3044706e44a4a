using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Security;

namespace Milvus.Orleans.Silo;

/// <summary>
/// With authorization on, the Orleans dashboard asks for HTTP Basic credentials of a Milvus user, checked like a
/// client's token: it shows every grain and silo of the cluster.
/// </summary>
internal static class DashboardAuthentication
{
    private const string Challenge = "Basic realm=\"Milvus.Orleans dashboard\", charset=\"UTF-8\"";

    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value;
        if (!options.AuthorizationEnabled || await IsAuthenticatedAsync(context).ConfigureAwait(false))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = Challenge;
    }

    private static async Task<bool> IsAuthenticatedAsync(HttpContext context)
    {
        if (!AuthenticationHeaderValue.TryParse(context.Request.Headers.Authorization, out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)
            || header.Parameter is null)
        {
            return false;
        }

        string token;
        try
        {
            token = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
        }
        catch (FormatException)
        {
            return false;
        }

        try
        {
            await context.RequestServices.GetRequiredService<ITokenAuthenticator>().AuthenticateAsync(token).ConfigureAwait(false);
            return true;
        }
        catch (MilvusException ex) when (ex.Code == ErrorCode.Unauthenticated)
        {
            return false;
        }
    }
}
