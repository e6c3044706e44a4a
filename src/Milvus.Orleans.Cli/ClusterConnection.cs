using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Milvus.Orleans.Client;

namespace Milvus.Orleans.Cli;

/// <summary>
/// How the command line finds the cluster: <c>--redis</c> and <c>--cluster-id</c>, or what the AppHost injects
/// (<c>ConnectionStrings__redis</c>, <c>Orleans__ClusterId</c>, <c>Orleans__ServiceId</c>).
/// </summary>
internal static class ClusterConnection
{
    public static readonly Option<string?> Redis = new("--redis")
    {
        Description = "Redis (or Garnet) connection string of the cluster's membership; default: ConnectionStrings__redis.",
        Recursive = true,
    };

    public static readonly Option<string?> ClusterId = new("--cluster-id")
    {
        Description = "The Orleans cluster id the AppHost logged at start; default: Orleans__ClusterId.",
        Recursive = true,
    };

    /// <summary>Runs <paramref name="action"/> with a client connected to the cluster, within the OpenTelemetry of the service defaults.</summary>
    public static async Task<int> RunAsync(ParseResult parse, Func<MilvusClient, CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddServiceDefaults();
        builder.AddMilvusClient(options =>
        {
            options.RedisConnectionString = parse.GetValue(Redis) ?? options.RedisConnectionString;
            options.ClusterId = parse.GetValue(ClusterId) ?? options.ClusterId;
        });
        using var host = builder.Build();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await action(host.Services.GetRequiredService<MilvusClient>(), cancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (MilvusException ex)
        {
            await Console.Error.WriteLineAsync($"error {ex.Code}: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}
