using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Flushes traces, metrics and logs once the application has stopped, in parallel and within
/// <see cref="Budget"/>. Left to container disposal, each provider waits up to 5 s in turn for an unreachable
/// collector, which kept a stopping silo alive ~16 s, longer than an orchestrator waits before killing it.
/// </summary>
internal sealed class TelemetryShutdown(IServiceProvider services, IHostApplicationLifetime lifetime) : IHostedService
{
    internal static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopped.Register(Flush);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Flush()
    {
        var timeoutMs = (int)Budget.TotalMilliseconds;
        Parallel.Invoke(
            () => services.GetService<TracerProvider>()?.Shutdown(timeoutMs),
            () => services.GetService<MeterProvider>()?.Shutdown(timeoutMs),
            () => services.GetService<LoggerProvider>()?.Shutdown(timeoutMs));
    }
}
