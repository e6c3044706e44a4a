using System.Text.Json;
using Milvus.Orleans.Client;

namespace Milvus.Orleans.Gateway.Rest;

/// <summary>One request to an endpoint: its body, the SDK it is served through, and how it wants Int64 values.</summary>
internal sealed class RestCall(RestBody body, MilvusClient client, bool int64AsString, CancellationToken cancellationToken)
{
    public RestBody Body { get; } = body;

    public MilvusClient Client { get; } = client;

    /// <summary>Whether Int64 values (fields and ids) are written as JSON strings (<c>Accept-Type-Allow-Int64: false</c>).</summary>
    public bool Int64AsString { get; } = int64AsString;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>The collection the request names (<c>collectionName</c>, required).</summary>
    public string Collection => Body.RequiredString("collectionName");
}

/// <summary>What an endpoint answers: the <c>data</c> of the reply, and for searches the hits per query.</summary>
internal sealed record RestReply(Action<Utf8JsonWriter> WriteData, IReadOnlyList<int>? TopKs = null, bool WithCost = false)
{
    /// <summary><c>"data": {}</c>.</summary>
    public static RestReply Empty { get; } = new(writer =>
    {
        writer.WriteStartObject();
        writer.WriteEndObject();
    });

    /// <summary><c>"data": {"name": value}</c>.</summary>
    public static RestReply Object(string name, bool value) => new(writer =>
    {
        writer.WriteStartObject();
        writer.WriteBoolean(name, value);
        writer.WriteEndObject();
    });

    /// <summary><c>"data": {"name": value}</c>.</summary>
    public static RestReply Object(string name, long value) => new(writer =>
    {
        writer.WriteStartObject();
        writer.WriteNumber(name, value);
        writer.WriteEndObject();
    });

    /// <summary><c>"data": ["a", "b"]</c>.</summary>
    public static RestReply Strings(IEnumerable<string> values) => new(writer =>
    {
        writer.WriteStartArray();
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    });
}

/// <summary>An endpoint: <c>POST /v2/vectordb/{category}/{action}</c>.</summary>
/// <param name="Handle">Serves a request.</param>
/// <param name="Writes">Whether it writes rows: errors in its data are <see cref="RestCode.InvalidInsertData"/>.</param>
internal sealed record RestEndpoint(Func<RestCall, Task<RestReply>> Handle, bool Writes = false)
{
    /// <summary>An endpoint that does <paramref name="action"/> and answers <c>{}</c>.</summary>
    public static RestEndpoint Done(Func<RestCall, Task> action) => new(async call =>
    {
        await action(call);
        return RestReply.Empty;
    });
}
