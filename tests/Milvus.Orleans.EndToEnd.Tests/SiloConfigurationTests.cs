using Milvus.Orleans.Testing;

namespace Milvus.Orleans.EndToEnd.Tests;

public sealed class SiloConfigurationTests
{
    [Theory]
    [InlineData("Milvus__Wal__BufferSizeMb", "10", "Milvus:Wal:BufferSizeMb = 10 is out of range: allowed 64..4096 MB.")]
    [InlineData("Milvus__Wal__BufferSizeMb", "lots", "Milvus:Wal:BufferSizeMb = 'lots' is not a whole number in -2147483648..2147483647.")]
    [InlineData("Milvus__Telemetry__TracesPerSecond", "-1", "Milvus:Telemetry:TracesPerSecond = -1 is out of range: allowed 0..100000 traces/s.")]
    [InlineData("Milvus__Security__AuthorizationEnabled", "true", "Milvus:Security:RootPassword is empty: with AuthorizationEnabled the root user needs a password (6..256 characters).")]
    [InlineData("Milvus__Security__TlsCertificatePath", "/nonexistent/cluster.pfx", "Milvus:Security:TlsCertificatePath = '/nonexistent/cluster.pfx' cannot be used: ")]
    public async Task Silo_WhenAnOptionIsWrong_RefusesToStartNamingTheKey(string key, string value, string message)
    {
        using var scope = new TestScope(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        // Everything else a silo needs to get as far as start-up; nothing listens on port 1.
        var environment = SiloProcess.Environment(redis: "127.0.0.1:1", blobs: "UseDevelopmentStorage=true", clusterId: "unstarted", walPath: scope.DataPath);
        environment[key] = value;

        using var silo = SiloProcess.Start(environment);
        await silo.WaitForExitAsync(scope.Token);

        Assert.Equal(2, silo.ExitCode);
        Assert.Contains(message, silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Orleans Silo started", silo.Output, StringComparison.Ordinal);
    }
}
