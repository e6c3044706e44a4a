using System.Net;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Silo;
using Azure.Storage.Blobs;
using Milvus.Orleans.Query;
using Milvus.Orleans.Security;
using Milvus.Orleans.Streaming;
using Milvus.Orleans.Wal;
using Milvus.Orleans.Wal.AzureBlob;
using Milvus.Orleans.Wal.Storage;
using Orleans.Configuration;
using Orleans.Dashboard;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
// Orleans' Redis clustering and grain storage resolve the multiplexer keyed by the Aspire service key.
builder.AddKeyedRedisClient("redis");
builder.AddBlobServiceClient("blobs");
// The zero-disk mode: the WAL in append blobs of the same storage account, container "wal".
builder.Services.AddKeyedSingleton<IWalStorage>(StreamingSiloBuilderExtensions.WalBackendKey, (services, _) => new AzureBlobWalStorage(
    services.GetRequiredService<BlobServiceClient>().GetBlobContainerClient("wal"),
    new AzureBlobWalOptions { RecoveryErrorIgnore = services.GetRequiredService<IOptions<WalOptions>>().Value.RecoveryErrorIgnore },
    services.GetRequiredService<TimeProvider>()));
// History (sealed segments and checkpoints) in container "history" of the same account.
builder.Services.AddKeyedSingleton(StreamingSiloBuilderExtensions.HistoryContainerKey, (services, _) =>
    services.GetRequiredService<BlobServiceClient>().GetBlobContainerClient("history"));
builder.UseOrleans(silo =>
{
    silo.AddActivityPropagation();
    silo.AddDashboard();
    silo.AddMilvusStreaming(builder.Configuration);
    silo.AddMilvusQuery(builder.Configuration);
    silo.AddMilvusSecurity(builder.Configuration);
    // A dead silo's pchannels move once it is declared dead: probe every second, two misses and one vote (any
    // silo that misses two probes) suffice. The cost is an earlier false suspicion under a long GC pause, which
    // only moves pchannels (fenced, nothing lost).
    silo.Configure<ClusterMembershipOptions>(membership =>
    {
        membership.ProbeTimeout = TimeSpan.FromSeconds(1);
        membership.NumMissedProbesLimit = 2;
        membership.NumVotesForDeathDeclaration = 1;
    });
    // Local runs keep the cluster on loopback; in production the pod's address is advertised.
    if (IPAddress.TryParse(builder.Configuration["Orleans:Endpoints:AdvertisedIPAddress"], out var advertised))
    {
        silo.Configure<EndpointOptions>(endpoints => endpoints.AdvertisedIPAddress = advertised);
    }
});
builder.Services.AddHealthChecks().AddCheck<SiloMembershipHealthCheck>("orleans-membership");

var app = builder.Build();
app.MapDefaultEndpoints();
app.UseWhen(context => context.Request.Path.StartsWithSegments("/dashboard", StringComparison.Ordinal), dashboard => dashboard.Use(DashboardAuthentication.InvokeAsync));
app.MapOrleansDashboard("/dashboard");

try
{
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ConfigurationFailure(ex) is { } invalid)
{
    // One line per bad key, naming the key and the allowed range; the silo does not start. Checks against the cluster
    // (its pchannels) fail inside Orleans' start-up, wrapped.
    await Console.Error.WriteLineAsync($"Invalid configuration, the silo did not start:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", invalid.Failures)}");
    return 2;
}
catch (OrleansConfigurationException ex)
{
    // Orleans' own checks, e.g. the PubSubStore grain storage the vchannel streams need.
    await Console.Error.WriteLineAsync($"Invalid configuration, the silo did not start:{Environment.NewLine}  {ex.Message.Trim()}");
    return 2;
}

static OptionsValidationException? ConfigurationFailure(Exception? error) => error switch
{
    OptionsValidationException invalid => invalid,
    AggregateException aggregate => aggregate.InnerExceptions.Select(ConfigurationFailure).FirstOrDefault(f => f is not null),
    null => null,
    _ => ConfigurationFailure(error.InnerException),
};
