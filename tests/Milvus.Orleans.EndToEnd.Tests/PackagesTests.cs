using System.IO.Compression;
using Microsoft.Extensions.Hosting;
using Milvus.Orleans.Client;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.EndToEnd.Tests;

/// <summary>The packages as a user gets them: packed, restored from a folder feed into a project of its own, and used.</summary>
public sealed class PackagesTests
{
    private static readonly string[] Packages = ["Milvus.Orleans.Abstractions", "Milvus.Orleans.Client", "Milvus.Orleans.VectorData", "Milvus.Orleans.Hosting"];

    [Fact]
    public async Task Packages_RestoredIntoAFreshProject_StoreAndSearchThroughVectorData()
    {
        using var scratch = new TestScope(TimeSpan.FromMinutes(8), TestContext.Current.CancellationToken);
        var ct = scratch.Token;
        var root = AzuriteServer.RepositoryRoot();
        // A version of its own: the global packages folder never serves an earlier run's package under the same one.
        var version = $"0.0.1-test.{Guid.NewGuid():N}";
        var feed = Path.Combine(scratch.DataPath, "feed");
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        try
        {
            var pack = await CliProcess.RunAsync(
                "dotnet", ["pack", Path.Combine(root, "eng", "packages.slnf"), "-c", configuration, "--no-build", "-o", feed, $"-p:PackageVersion={version}"],
                new Dictionary<string, string?>(), root, ct);
            Assert.True(pack.ExitCode == 0, pack.Output + pack.Error);
            AssertPackages(feed, version);

            using var garnet = new EmbeddedGarnet();
            var azurite = await SharedAzurite.GetAsync();
            var clusterId = $"packages-{Guid.NewGuid():N}";
            var wal = Directory.CreateDirectory(Path.Combine(scratch.DataPath, "wal")).FullName;
            using var silo = SiloProcess.Start(SiloProcess.Environment(garnet.ConnectionString, azurite.ConnectionString, clusterId, wal));
            await WaitForClusterAsync(garnet.ConnectionString, clusterId, silo, ct);

            var app = WriteFreshProject(Path.Combine(scratch.DataPath, "app"), feed, version);
            var run = await CliProcess.RunAsync(
                "dotnet", ["run", "--project", app],
                new Dictionary<string, string?> { ["ConnectionStrings__milvus"] = $"ClusterId={clusterId};Redis={garnet.ConnectionString}" },
                app, ct);

            Assert.True(run.ExitCode == 0, run.Output + run.Error);
            Assert.EndsWith("nearest: 2 (second), then 3 (third)", run.Output.TrimEnd(), StringComparison.Ordinal);
        }
        finally
        {
            // The test's version leaves the global packages folder with the test.
            var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            foreach (var id in Packages)
            {
                var folder = Path.Combine(cache, id.ToLowerInvariant(), version);
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
        }
    }

    private static void AssertPackages(string feed, string version)
    {
        foreach (var id in Packages)
        {
            using var package = ZipFile.OpenRead(Path.Combine(feed, $"{id}.{version}.nupkg"));
            var entries = package.Entries.Select(e => e.FullName).ToHashSet();
            Assert.Contains("README.md", entries);
            Assert.Contains($"lib/net10.0/{id}.dll", entries);
            Assert.Contains($"lib/net10.0/{id}.xml", entries);
            using var symbols = ZipFile.OpenRead(Path.Combine(feed, $"{id}.{version}.snupkg"));
            Assert.Contains($"lib/net10.0/{id}.pdb", symbols.Entries.Select(e => e.FullName));
        }

        using var hosting = ZipFile.OpenRead(Path.Combine(feed, $"Milvus.Orleans.Hosting.{version}.nupkg"));
        var files = hosting.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("tools/milvus-orleans/silo/Milvus.Orleans.Silo.dll", files);
        Assert.Contains("tools/milvus-orleans/garnet/Milvus.Orleans.GarnetHost.dll", files);
        Assert.Contains("buildTransitive/Milvus.Orleans.Hosting.targets", files);
    }

    /// <summary>Waits until a client reaches the cluster and sees its silo active.</summary>
    private static async Task WaitForClusterAsync(string redis, string clusterId, SiloProcess silo, CancellationToken ct)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddMilvusClient(options =>
        {
            options.RedisConnectionString = redis;
            options.ClusterId = clusterId;
        });
        using var host = builder.Build();
        // The silo's process may still be starting: a client starts once it finds a gateway.
        var started = await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    await host.StartAsync(ct);
                    return true;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    return false;
                }
            },
            started => started,
            TimeSpan.FromSeconds(90),
            ct);
        Assert.True(started, "No client reached the silo within 90 s: " + silo.Output);
        var client = (MilvusClient)host.Services.GetService(typeof(MilvusClient))!;
        var silos = await client.GetSilosAsync(onlyActive: true, ct);
        Assert.True(silos.Count == 1, silo.Output);
        await host.StopAsync(ct);
    }

    /// <summary>A console project outside the repository that takes the packages from <paramref name="feed"/> only.</summary>
    private static string WriteFreshProject(string folder, string feed, string version)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="local"><package pattern="Milvus.Orleans.*" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(folder, "Fresh.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Milvus.Orleans.VectorData" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(folder, "Program.cs"), """
            using Microsoft.Extensions.DependencyInjection;
            using Microsoft.Extensions.Hosting;
            using Microsoft.Extensions.Logging;
            using Microsoft.Extensions.VectorData;
            using Milvus.Orleans.VectorData;

            var builder = Host.CreateApplicationBuilder(args);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.AddMilvusVectorStore("milvus");
            using var host = builder.Build();
            await host.StartAsync();

            var notes = host.Services.GetRequiredService<VectorStore>().GetCollection<long, Note>("fresh_notes");
            await notes.EnsureCollectionExistsAsync();
            await notes.UpsertAsync(
            [
                new Note { Id = 1, Text = "first", Vector = new[] { 1f, 0f, 0f } },
                new Note { Id = 2, Text = "second", Vector = new[] { 0f, 1f, 0f } },
                new Note { Id = 3, Text = "third", Vector = new[] { 0f, 1f, 1f } },
            ]);
            var hits = await notes.SearchAsync(new[] { 0.1f, 1f, 0.2f }, 2).ToListAsync();
            Console.WriteLine($"nearest: {hits[0].Record.Id} ({hits[0].Record.Text}), then {hits[1].Record.Id} ({hits[1].Record.Text})");
            await host.StopAsync();

            public sealed class Note
            {
                [VectorStoreKey] public long Id { get; set; }
                [VectorStoreData] public string Text { get; set; } = "";
                [VectorStoreVector(3)] public ReadOnlyMemory<float> Vector { get; set; }
            }
            """);
        return folder;
    }
}
