using Milvus.Orleans.Testing;

namespace Milvus.Orleans.EndToEnd.Tests;

public sealed class SiloConfigurationTests
{
    [Fact]
    public async Task Silo_WhenBufferSizeIsBelowTheRange_RefusesToStartNamingKeyAndRange()
    {
        using var scope = new TestScope(TimeSpan.FromMinutes(1));
        // Everything else a silo needs to get as far as start-up; nothing listens on port 1.
        var environment = SiloProcess.Environment(redis: "127.0.0.1:1", blobs: "UseDevelopmentStorage=true", clusterId: "unstarted", walPath: scope.DataPath);
        environment["Milvus__Wal__BufferSizeMb"] = "10";

        using var silo = SiloProcess.Start(environment);
        await silo.WaitForExitAsync(scope.Token);

        Assert.Equal(2, silo.ExitCode);
        Assert.Contains("Milvus:Wal:BufferSizeMb = 10 is out of range: allowed 64..4096 MB.", silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Orleans Silo started", silo.Output, StringComparison.Ordinal);
    }
}
