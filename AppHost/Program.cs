using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Milvus.Orleans.AppHost;

var builder = DistributedApplication.CreateBuilder(args);

// Local state (Garnet's append-only file, Azurite's blobs, the WAL) lives under one folder so a restart keeps
// it; tests point DataPath at a folder of their own.
var repoRoot = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
var dataPath = Path.GetFullPath(builder.Configuration["DataPath"] ?? Path.Combine(repoRoot, ".data"));
var toolsPath = Path.Combine(repoRoot, ".tools");

// ConnectionStrings:redis / ConnectionStrings:blobs (user secrets, environment) swap in a real Redis and a real
// storage account; without them the AppHost runs embedded Garnet and Azurite.
var redis = builder.AddRedisOrEmbeddedGarnet("redis", Path.Combine(dataPath, "garnet"));
var blobs = builder.AddBlobsOrAzurite("blobs", Path.Combine(dataPath, "azurite"), toolsPath);

// ServiceId is stable: grain state is keyed by it and survives restarts. ClusterId names one deployment: a new
// one per run keeps a restarted cluster from waiting out the previous run's silos, which are still listed as
// Active in the persisted membership table. Clients get it injected; tests pass --ClusterId.
var clusterId = builder.Configuration["ClusterId"] ?? $"milvus-{TimeProvider.System.GetUtcNow():yyyyMMdd-HHmmss}";
var orleans = builder.AddOrleans("cluster")
    .WithServiceId("milvus-orleans")
    .WithClusterId(clusterId)
    .WithClustering(redis.ConnectionString)
    .WithGrainStorage("Default", redis.ConnectionString)
    // Stream subscriptions and the vchannel stream receivers' checkpoints.
    .WithGrainStorage("PubSubStore", redis.ConnectionString);

var siloReplicas = int.Parse(builder.Configuration["SiloReplicas"] ?? "3", System.Globalization.CultureInfo.InvariantCulture);
var silo = builder.AddProject<Projects.Milvus_Orleans_Silo>("silo")
    .WithHttpEndpoint()
    .WithReference(orleans)
    .WithReference(blobs.ConnectionString)
    .WithEnvironment("Orleans__Endpoints__AdvertisedIPAddress", "127.0.0.1")
    .WithEnvironment("Milvus__Wal__Path", Path.Combine(dataPath, "wal"))
    .WithHttpHealthCheck("/health")
    .WithUrlForEndpoint("http", url =>
    {
        url.Url += "/dashboard";
        url.DisplayText = "Orleans dashboard";
    })
    .WithReplicas(siloReplicas);
redis.WaitForServer(silo);
blobs.WaitForServer(silo);

// The demo (on unless --Demo false): creates collection "demo", ingests clustered vectors, flushes, searches, and
// prints recall@10 and timings; its traces (client → delegators → query nodes) show in the dashboard.
if (!string.Equals(builder.Configuration["Demo"], "false", StringComparison.OrdinalIgnoreCase))
{
    builder.AddProject<Projects.Milvus_Orleans_Cli>("demo")
        .WithArgs("demo", "--rows", builder.Configuration["DemoRows"] ?? "100000")
        .WithReference(orleans.AsClient())
        .WithReference(redis.ConnectionString)
        .WaitFor(silo);
}

var app = builder.Build();
var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Milvus.Orleans.AppHost");
AppHostLog.ClusterNamed(log, clusterId, dataPath);
app.Run();
