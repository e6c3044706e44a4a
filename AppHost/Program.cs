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

var siloReplicas = AppHostSettings.Int(builder.Configuration, "SiloReplicas", 3, 1, 16);

// Authorization is on: every client call carries root's (or another user's) user:password. The root password is a
// secret parameter, generated on the first run and kept in the AppHost's user secrets; --Parameters:milvus-root-password
// sets one.
var rootPassword = builder.AddParameter(
    "milvus-root-password", new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);
var token = ReferenceExpression.Create($"root:{rootPassword}");

// --Tls true: silos and clients talk TLS, with a self-signed cluster certificate made once beside the data.
var certificate = AppHostSettings.Bool(builder.Configuration, "Tls") ? ClusterCertificates.EnsureSelfSigned(Path.Combine(dataPath, "tls", "cluster.pfx")) : null;

// --Storage blob: the WAL in append blobs (container "wal") beside the history, so silos share no disk; with the
// default, local, they share the WAL folder under the data path.
var storage = AppHostSettings.Choice(builder.Configuration, "Storage", "local", "blob");

var silo = builder.AddProject<Projects.Milvus_Orleans_Silo>("silo")
    .WithHttpEndpoint()
    .WithReference(orleans)
    .WithReference(blobs.ConnectionString)
    .WithEnvironment("Orleans__Endpoints__AdvertisedIPAddress", "127.0.0.1")
    .WithEnvironment("Milvus__Wal__Storage", storage)
    .WithEnvironment("Milvus__Security__AuthorizationEnabled", "true")
    .WithEnvironment("Milvus__Security__RootPassword", rootPassword)
    .WithClusterCertificate(certificate)
    .WithHttpHealthCheck("/health")
    .WithUrlForEndpoint("http", url =>
    {
        url.Url += "/dashboard";
        url.DisplayText = "Orleans dashboard";
    })
    .WithReplicas(siloReplicas);
if (storage == "local")
{
    silo.WithEnvironment("Milvus__Wal__Path", Path.Combine(dataPath, "wal"));
}

redis.WaitForServer(silo);
blobs.WaitForServer(silo);

// Milvus' REST API v2 on a fixed port (--RestPort; 19530, Milvus' own), so scripts written for Milvus work as they are.
// The gateway has no token of its own: each request brings its caller's (Authorization: Bearer root:<password>).
var restPort = AppHostSettings.Int(builder.Configuration, "RestPort", 19530, 1, 65535);
builder.AddProject<Projects.Milvus_Orleans_Gateway>("rest")
    .WithHttpEndpoint(port: restPort, isProxied: false)
    .WithReference(orleans.AsClient())
    .WithReference(redis.ConnectionString)
    .WithClusterCertificate(certificate)
    .WithHttpHealthCheck("/health")
    .WaitFor(silo);

// The demo (on unless --Demo false): creates collection "demo", ingests clustered vectors, flushes, searches, and
// prints recall@10 and timings; its traces (client → delegators → query nodes) show in the dashboard.
if (AppHostSettings.Bool(builder.Configuration, "Demo", defaultValue: true))
{
    builder.AddProject<Projects.Milvus_Orleans_Cli>("demo")
        .WithArgs("demo", "--rows", AppHostSettings.Int(builder.Configuration, "DemoRows", 100_000, 1, 10_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture))
        .WithReference(orleans.AsClient())
        .WithReference(redis.ConnectionString)
        .WithEnvironment("Milvus__Token", token)
        .WithClusterCertificate(certificate)
        .WaitFor(silo);
}

var app = builder.Build();
var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Milvus.Orleans.AppHost");
AppHostLog.ClusterNamed(log, clusterId, dataPath);
AppHostLog.RestApi(log, restPort);
if (certificate is not null)
{
    AppHostLog.TlsOn(log, certificate);
}

app.Run();
