using System.Diagnostics;

namespace Milvus.Orleans.Testing;

/// <summary>What one run of a program printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error);

/// <summary>
/// The command line (<c>src/Milvus.Orleans.Cli</c>, built in the caller's configuration) run as a person types it: a
/// process of its own, its configuration in the environment the way the AppHost hands it.
/// </summary>
public static class CliProcess
{
    /// <summary>Runs <c>milvus-orleans</c> with <paramref name="arguments"/> and waits for it to exit.</summary>
    public static Task<CliResult> RunAsync(IReadOnlyDictionary<string, string?> environment, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        RunAsync("dotnet", [BuiltProjects.Assembly("Milvus.Orleans.Cli", "milvus-orleans.dll"), .. arguments], environment, workingDirectory: null, cancellationToken);

    /// <summary>
    /// Runs <paramref name="program"/> with <paramref name="arguments"/> (in <paramref name="workingDirectory"/> when
    /// given, with <paramref name="environment"/> added to this process') and waits for it to exit; cancelled, it is killed.
    /// </summary>
    public static async Task<CliResult> RunAsync(
        string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, string? workingDirectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new CliResult(process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }
}
