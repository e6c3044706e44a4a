using System.Net;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Silo;
using Milvus.Orleans.Streaming;
using Orleans.Configuration;
using Orleans.Dashboard;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
// Orleans' Redis clustering and grain storage resolve the multiplexer keyed by the Aspire service key.
builder.AddKeyedRedisClient("redis");
builder.AddBlobServiceClient("blobs");
builder.UseOrleans(silo =>
{
    silo.AddActivityPropagation();
    silo.AddDashboard();
    silo.AddMilvusStreaming(builder.Configuration);
    // Local runs keep the cluster on loopback; in production the pod's address is advertised.
    if (IPAddress.TryParse(builder.Configuration["Orleans:Endpoints:AdvertisedIPAddress"], out var advertised))
    {
        silo.Configure<EndpointOptions>(endpoints => endpoints.AdvertisedIPAddress = advertised);
    }
});
builder.Services.AddHealthChecks().AddCheck<SiloMembershipHealthCheck>("orleans-membership");

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapOrleansDashboard("/dashboard");

try
{
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    // One line per bad key, naming the key and the allowed range; the silo does not start.
    await Console.Error.WriteLineAsync($"Invalid configuration, the silo did not start:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", ex.Failures)}");
    return 2;
}
