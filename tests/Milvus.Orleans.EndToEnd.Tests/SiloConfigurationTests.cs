using System.Diagnostics;

namespace Milvus.Orleans.EndToEnd.Tests;

public sealed class SiloConfigurationTests
{
    [Fact]
    public async Task Silo_WhenBufferSizeIsBelowTheRange_RefusesToStartNamingKeyAndRange()
    {
        using var scope = new TestScope(TimeSpan.FromMinutes(1));
        var start = new ProcessStartInfo("dotnet", [SiloAssemblyPath()])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            Environment =
            {
                ["Milvus__Wal__BufferSizeMb"] = "10",
                // Everything else a silo needs to get as far as start-up; nothing listens on port 1.
                ["ConnectionStrings__redis"] = "127.0.0.1:1",
                ["ConnectionStrings__blobs"] = "UseDevelopmentStorage=true",
                ["Orleans__Clustering__ProviderType"] = "Redis",
                ["Orleans__Clustering__ServiceKey"] = "redis",
                ["Orleans__GrainStorage__Default__ProviderType"] = "Redis",
                ["Orleans__GrainStorage__Default__ServiceKey"] = "redis",
                ["Orleans__GrainStorage__PubSubStore__ProviderType"] = "Redis",
                ["Orleans__GrainStorage__PubSubStore__ServiceKey"] = "redis",
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            },
        };

        using var silo = Process.Start(start)!;
        var stderr = silo.StandardError.ReadToEndAsync(scope.Token);
        var stdout = silo.StandardOutput.ReadToEndAsync(scope.Token);
        await silo.WaitForExitAsync(scope.Token);

        Assert.Equal(2, silo.ExitCode);
        Assert.Contains("Milvus:Wal:BufferSizeMb = 10 is out of range: allowed 64..4096 MB.", await stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Orleans Silo started", await stdout, StringComparison.Ordinal);
    }

    /// <summary>The silo built beside this test, in the same configuration (bin/{Configuration}/net10.0).</summary>
    private static string SiloAssemblyPath()
    {
        var outputDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = outputDirectory.Parent!.Name;
        var project = Path.GetDirectoryName(new Projects.Milvus_Orleans_Silo().ProjectPath)!;
        return Path.Combine(project, "bin", configuration, outputDirectory.Name, "Milvus.Orleans.Silo.dll");
    }
}
