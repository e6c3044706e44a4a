using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.VectorData;
using Milvus.Orleans.Client;

namespace Milvus.Orleans.VectorData.Tests;

public sealed class ClientIntegrationTests
{
    [Fact]
    public void FromConnectionString_WithTheHostingIntegrationsKeys_ReadsEach()
    {
        var options = MilvusClientOptions.FromConnectionString("clusterid=milvus-20261203;ServiceId=svc;Token=root:p=w;Redis=127.0.0.1:6379,password=x=y");

        Assert.Equal(
            ("127.0.0.1:6379,password=x=y", "milvus-20261203", "svc", "root:p=w"),
            (options.RedisConnectionString, options.ClusterId, options.ServiceId, options.Token));
    }

    [Fact]
    public void FromConnectionString_WithAnUnknownKey_ThrowsNamingIt()
    {
        var error = Assert.Throws<MilvusException>(() => MilvusClientOptions.FromConnectionString("Cluster=x;Redis=y"));

        Assert.Equal(ErrorCode.InvalidArgument, error.Code);
        Assert.Equal("The connection string has key 'cluster': known are Redis, ClusterId, ServiceId, Token, TlsCertificatePath, TlsCertificatePassword.", error.Message);
    }

    [Fact]
    public void AddMilvusVectorStore_WithAConnectionName_RegistersTheStoreAHealthCheckAndTracing()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:vectors"] = "ClusterId=c;Redis=127.0.0.1:1" });

        builder.AddMilvusVectorStore("vectors");

        Assert.Contains(builder.Services, s => s.ServiceType == typeof(VectorStore));
        Assert.Contains(builder.Services, s => s.ServiceType == typeof(MilvusClient));
        using var provider = builder.Services.BuildServiceProvider();
        var checks = provider.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;
        Assert.Equal(["vectors"], checks.Select(c => c.Name));
        Assert.Contains(builder.Services, s => s.ServiceType.FullName == "OpenTelemetry.Trace.TracerProvider");
    }

    [Fact]
    public void AddMilvusClient_WithoutTheConnectionString_ThrowsNamingIt()
    {
        var builder = Host.CreateApplicationBuilder();

        var error = Assert.Throws<MilvusException>(() => builder.AddMilvusClient("missing"));

        Assert.Equal("No connection string 'missing': reference the cluster from the AppHost (WithReference) or set ConnectionStrings:missing.", error.Message);
    }
}
