using System.Diagnostics;

namespace Milvus.Orleans.Testing;

/// <summary>
/// npm packages the tests run (Azurite, the official Milvus Node SDK), each installed on first use into a folder of
/// its own under the repository's <c>.tools</c>, so test projects running at once never run npm in one folder.
/// </summary>
public static class NpmTools
{
    /// <summary>
    /// The folder of <paramref name="package"/> (<c>name@version</c>) installed under <c>.tools/<paramref name="folder"/></c>,
    /// installed now unless <paramref name="marker"/> (a path inside the folder) exists. Several fixtures starting at once
    /// install it once: the first holds an exclusive lock file (an exclusive flock on Linux, across threads and
    /// processes) while the others wait, then find it installed.
    /// </summary>
    public static async Task<string> EnsureInstalledAsync(string folder, string package, string marker)
    {
        var prefix = Path.Combine(AzuriteServer.RepositoryRoot(), ".tools", folder);
        if (File.Exists(Path.Combine(prefix, marker)))
        {
            return prefix;
        }

        Directory.CreateDirectory(prefix);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            FileStream installLock;
            try
            {
                installLock = new FileStream(Path.Combine(prefix, ".install.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (clock.Elapsed < TimeSpan.FromMinutes(5))
            {
                await Task.Delay(250).ConfigureAwait(false);
                continue;
            }

            await using (installLock.ConfigureAwait(false))
            {
                if (!File.Exists(Path.Combine(prefix, marker)))
                {
                    await RunAsync("npm", ["install", "--no-audit", "--no-fund", "--prefix", prefix, package]).ConfigureAwait(false);
                }

                return prefix;
            }
        }
    }

    private static async Task RunAsync(string program, string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await stderr.ConfigureAwait(false)}");
        }
    }
}
