using System.Globalization;
using Milvus.Orleans.Hosting;

var builder = DistributedApplication.CreateBuilder(args);

// One call: Garnet, Azurite and a silo, grouped under "milvus" in the dashboard. --DataPath moves their state.
var milvus = builder.AddMilvusOrleans("milvus", dataPath: builder.Configuration["DataPath"]);

// --WebPort 0 lets the system pick the port (tests do).
var port = int.Parse(builder.Configuration["WebPort"] ?? "5180", CultureInfo.InvariantCulture);
builder.AddProject<Projects.VectorSearch_Web>("web")
    .WithHttpEndpoint(port: port == 0 ? null : port, isProxied: false)
    .WithHttpHealthCheck("/health")
    .WithReference(milvus)
    .WaitFor(milvus);

builder.Build().Run();
