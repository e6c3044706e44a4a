using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Milvus.Orleans.Client;
using Milvus.Orleans.Gateway.Rest;

namespace Milvus.Orleans.Testing;

/// <summary>The REST gateway's endpoints on Kestrel at a free loopback port, over a given client SDK (an in-process cluster's).</summary>
public sealed class LoopbackGateway : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackGateway(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary><c>http://127.0.0.1:port/v2/vectordb/</c>: endpoints are relative to it (<c>collections/create</c>).</summary>
    public Uri BaseAddress { get; }

    public static async Task<LoopbackGateway> StartAsync(MilvusClient client)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(client);
        var app = builder.Build();
        app.MapMilvusRest();
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new LoopbackGateway(app, new Uri(address + RestApi.Prefix + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
