using Milvus.Orleans.Client;
using Milvus.Orleans.Gateway.Rest;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
// No identity of its own: every request's grain calls carry that request's token (see RestCallers), so a
// Milvus:Token in the configuration must not stand in for callers that send none.
builder.AddMilvusClient(options => options.Token = null);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = RestLimits.MaxBodyBytes);

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapMilvusRest();
await app.RunAsync();
