using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milvus.Orleans.Client;

namespace Milvus.Orleans.Cli;

/// <summary>
/// How the command line finds the cluster: <c>--redis</c>, <c>--cluster-id</c> and <c>--token</c>, or what the
/// AppHost injects (<c>ConnectionStrings__redis</c>, <c>Orleans__ClusterId</c>, <c>Orleans__ServiceId</c>,
/// <c>Milvus__Token</c>); and how it reports: logs on stderr from Warning (<c>--verbose</c>: from Information, with
/// stack traces), failures as one line with an exit code (<see cref="CliErrors"/>).
/// </summary>
internal static class ClusterConnection
{
    /// <summary>How long connecting to the cluster may take before the command gives up as unavailable.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

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

    public static readonly Option<string?> Token = new("--token")
    {
        Description = "user:password, for a cluster with authorization on; default: Milvus__Token.",
        Recursive = true,
    };

    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Log from Information on (stderr) and print the stack trace of an error.",
        Recursive = true,
    };

    /// <summary>
    /// Runs <paramref name="action"/> with a client connected to the cluster, within the OpenTelemetry of the service
    /// defaults; returns the exit code.
    /// </summary>
    public static async Task<int> RunAsync(ParseResult parse, Func<MilvusClient, CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        var verbose = parse.GetValue(Verbose);
        try
        {
            var builder = Host.CreateApplicationBuilder();
            // stdout carries the command's output only: every log goes to stderr.
            builder.Logging.ClearProviders();
            builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.Logging.SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning);
            if (!verbose)
            {
                // A host that cannot start logs the exception the error line already reports.
                builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
            }

            builder.AddServiceDefaults();
            builder.AddMilvusClient(options =>
            {
                options.RedisConnectionString = parse.GetValue(Redis) ?? options.RedisConnectionString;
                options.ClusterId = parse.GetValue(ClusterId) ?? options.ClusterId;
                options.Token = parse.GetValue(Token) ?? options.Token;
            });
            using var host = builder.Build();
            await StartAsync(host, cancellationToken).ConfigureAwait(false);
            try
            {
                await action(host.Services.GetRequiredService<MilvusClient>(), cancellationToken).ConfigureAwait(false);
                return 0;
            }
            finally
            {
                await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            return CliErrors.Report(ex, verbose);
        }
    }

    private static async Task StartAsync(IHost host, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await host.StartAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MilvusException(ErrorCode.Unavailable, $"No silo of the cluster answered within {ConnectTimeout.TotalSeconds:0} s; is the AppHost running, and are --redis and --cluster-id right?");
        }
    }
}
