using System.Net;
using System.Text;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.Gateway.Tests;

/// <summary>
/// The REST API as the AppHost serves it: authorization on, a gateway (Kestrel on loopback) over an in-process cluster.
/// The cluster's client has root's token for its own calls; a request still acts only as the caller its Authorization
/// header names, and as nobody without one.
/// </summary>
public sealed class RestFixture : IAsyncLifetime
{
    public const string RootPassword = "rest-root-password";

    public const string RootToken = "root:" + RootPassword;

    private LoopbackGateway _gateway = null!;

    public InProcessMilvusCluster Cluster { get; private set; } = null!;

    public HttpClient Http { get; } = new();

    public async ValueTask InitializeAsync()
    {
        Cluster = await InProcessMilvusCluster.StartAsync(1, new Dictionary<string, string?>
        {
            ["Milvus:Security:AuthorizationEnabled"] = "true",
            ["Milvus:Security:RootPassword"] = RootPassword,
            ["Milvus:Token"] = RootToken,
        });
        _gateway = await LoopbackGateway.StartAsync(Cluster.Client);
        Http.BaseAddress = _gateway.BaseAddress;
    }

    /// <summary>Sends <paramref name="json"/> to <paramref name="endpoint"/> as root (or as <paramref name="token"/>) and returns the status and the reply's text.</summary>
    public async Task<(HttpStatusCode Status, string Body)> PostAsync(
        string endpoint, string json, string? token = RootToken, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {token}");
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>Sends as root and returns the reply's text, asserting HTTP 200.</summary>
    public async Task<string> CallAsync(string endpoint, string json, IReadOnlyDictionary<string, string>? headers = null)
    {
        var (status, body) = await PostAsync(endpoint, json, headers: headers);
        Assert.True(status == HttpStatusCode.OK, $"{endpoint}: HTTP {(int)status} {body}");
        return body;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}
