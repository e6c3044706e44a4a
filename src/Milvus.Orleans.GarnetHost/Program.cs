using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Milvus.Orleans.GarnetHost;

var builder = Host.CreateApplicationBuilder(args);
builder.AddServiceDefaults();
builder.Services.AddOptions<GarnetHostOptions>().Bind(builder.Configuration.GetSection(GarnetHostOptions.SectionName));
builder.Services.AddHostedService<GarnetService>();
await builder.Build().RunAsync();
