using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Milvus.Orleans.Client;

namespace Milvus.Orleans.Gateway.Rest;

/// <summary>
/// Milvus' REST API v2: every call is <c>POST /v2/vectordb/{category}/{action}</c> with a JSON body, answered with
/// HTTP 200 and <c>{"code": 0, "data": …}</c>, or <c>{"code": N, "message": …}</c> (HTTP 401 only when not
/// authenticated). The body is read as JSON whatever its content type (the Node SDK's arrives as text/plain).
/// </summary>
public static class RestApi
{
    /// <summary>The prefix of every endpoint.</summary>
    public const string Prefix = "/v2/vectordb";

    /// <summary>The only database: Milvus' default one.</summary>
    public const string DefaultDatabase = "default";

    /// <summary>Maps the REST API's endpoints; needs a <see cref="MilvusClient"/> among the services.</summary>
    public static IEndpointRouteBuilder MapMilvusRest(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var endpoints = new Dictionary<string, RestEndpoint>(StringComparer.Ordinal);
        CollectionEndpoints.AddTo(endpoints);
        PartitionEndpoints.AddTo(endpoints);
        IndexEndpoints.AddTo(endpoints);
        AliasEndpoints.AddTo(endpoints);
        EntityEndpoints.AddTo(endpoints);
        var client = app.ServiceProvider.GetRequiredService<MilvusClient>();
        var callers = new RestCallers(client, app.ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System);
        var log = app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RestApi).FullName!);
        app.MapPost(Prefix + "/{category}/{action}", (HttpContext context, string category, string action) =>
            ServeAsync(context, endpoints.GetValueOrDefault($"{category}/{action}"), client, callers, log));
        return app;
    }

    /// <summary>Text as it is (quotes and non-ASCII letters unescaped), as Milvus writes it; JSON-significant characters stay escaped.</summary>
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static async Task ServeAsync(HttpContext context, RestEndpoint? endpoint, MilvusClient client, RestCallers callers, ILogger log)
    {
        var writes = endpoint?.Writes ?? false;
        string? collection = null;
        string? token = null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        try
        {
            if (endpoint is null)
            {
                throw RestException.Invalid($"no endpoint {context.Request.Path}: see docs/api.md for the endpoints served");
            }

            if (TimeoutOf(context.Request) is { } seconds)
            {
                timeout.CancelAfter(seconds);
            }

            // Who calls comes first, as in Milvus: a caller that is not authenticated learns nothing of its request.
            token = RestCallers.TokenOf(context.Request.Headers.Authorization);
            await callers.ActAsAsync(token, timeout.Token);
            using var document = await ReadBodyAsync(context.Request, timeout.Token);
            var body = RestBody.Of(document.RootElement);
            collection = body.Find("collectionName")?.ToString();
            CheckDatabase(body, context.Request);
            var reply = await endpoint.Handle(new RestCall(body, client, Int64AsString(context.Request), timeout.Token));
            await WriteAsync(context.Response, StatusCodes.Status200OK, writer =>
            {
                writer.WriteNumber("code", RestCode.Success);
                if (reply.WithCost)
                {
                    writer.WriteNumber("cost", 0);
                }

                writer.WritePropertyName("data");
                reply.WriteData(writer);
                if (reply.TopKs is { } topKs)
                {
                    writer.WriteStartArray("topks");
                    foreach (var topK in topKs)
                    {
                        writer.WriteNumberValue(topK);
                    }

                    writer.WriteEndArray();
                }
            });
        }
        catch (RestException ex)
        {
            await FailAsync(context.Response, ex.Code, ex.Message);
        }
        catch (MilvusException ex) when (ex.Code is ErrorCode.Unauthenticated && token is null)
        {
            await FailAsync(context.Response, RestCode.NotAuthenticated, "Not authenticated: the request carries no token. Authorization is on: send the header 'Authorization: Bearer user:password'.");
        }
        catch (MilvusException ex) when (ex.Code is ErrorCode.CollectionNotFound && collection is not null)
        {
            await FailAsync(context.Response, RestCode.CollectionNotFound, $"collection not found[collection={collection}]");
        }
        catch (MilvusException ex)
        {
            await FailAsync(context.Response, RestCode.Of(ex.Code, writes), ex.Message);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            await FailAsync(context.Response, RestCode.ServiceUnavailable, $"the request did not finish within its Request-Timeout of {context.Request.Headers["Request-Timeout"]} s");
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away; nobody reads an answer.
        }
        catch (Exception ex)
        {
            RestLog.Failed(log, ex, context.Request.Path.Value ?? "");
            await FailAsync(context.Response, RestCode.ServiceInternal, $"internal error ({ex.GetType().Name}); the gateway's log has the details");
        }
    }

    private static async Task<JsonDocument> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        try
        {
            await request.Body.CopyToAsync(buffer, cancellationToken);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw RestException.Invalid($"the request body is larger than the {RestLimits.MaxBodyBytes:N0} bytes a request may carry; send fewer rows per request");
        }

        if (buffer.Length == 0)
        {
            // curl without -d, and Milvus' list calls, send nothing.
            return JsonDocument.Parse("{}");
        }

        try
        {
            return JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
        }
        catch (JsonException ex)
        {
            throw new RestException(RestCode.InvalidJson, $"the request body is not valid JSON: {ex.Message}");
        }
    }

    /// <summary><c>dbName</c> in the body, else the <c>DB-Name</c> header: only <see cref="DefaultDatabase"/> exists.</summary>
    private static void CheckDatabase(RestBody body, HttpRequest request)
    {
        var database = body.String("dbName") ?? request.Headers["DB-Name"].ToString();
        if (database.Length > 0 && database != DefaultDatabase)
        {
            throw new RestException(RestCode.DatabaseNotFound, $"database not found[database={database}]: this service has only the database '{DefaultDatabase}'");
        }
    }

    /// <summary>The <c>Request-Timeout</c> header (seconds), or null.</summary>
    private static TimeSpan? TimeoutOf(HttpRequest request)
    {
        var header = request.Headers["Request-Timeout"].ToString();
        if (header.Length == 0)
        {
            return null;
        }

        return double.TryParse(header, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= RestLimits.MaxTimeoutSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw RestException.Invalid($"Request-Timeout '{header}' must be a number of seconds in (0, {RestLimits.MaxTimeoutSeconds}]");
    }

    /// <summary><c>Accept-Type-Allow-Int64: false</c> asks for Int64 values as strings; absent or true, numbers.</summary>
    private static bool Int64AsString(HttpRequest request) =>
        string.Equals(request.Headers["Accept-Type-Allow-Int64"].ToString().Trim(), "false", StringComparison.OrdinalIgnoreCase);

    private static Task FailAsync(HttpResponse response, int code, string message) =>
        WriteAsync(response, code == RestCode.NotAuthenticated ? StatusCodes.Status401Unauthorized : StatusCodes.Status200OK, writer =>
        {
            writer.WriteNumber("code", code);
            writer.WriteString("message", message);
        });

    private static async Task WriteAsync(HttpResponse response, int status, Action<Utf8JsonWriter> writeMembers)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writeMembers(writer);
            writer.WriteEndObject();
        }

        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory);
    }
}

/// <summary>What one request may ask of the gateway.</summary>
internal static class RestLimits
{
    /// <summary>The largest request body: about 2.5 million vector values as JSON text.</summary>
    public const long MaxBodyBytes = 64L * 1024 * 1024;

    /// <summary>The longest <c>Request-Timeout</c>.</summary>
    public const double MaxTimeoutSeconds = 3600;
}

internal static partial class RestLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "REST request {Path} failed unexpectedly")]
    public static partial void Failed(ILogger logger, Exception exception, string path);
}
