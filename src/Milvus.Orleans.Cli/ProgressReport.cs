using Spectre.Console;

namespace Milvus.Orleans.Cli;

/// <summary>Progress of long work: a bar on a terminal, a line every tenth when the output is a log (the AppHost's).</summary>
internal static class ProgressReport
{
    /// <summary>Runs <paramref name="work"/>, which reports units done out of <paramref name="total"/>.</summary>
    public static async Task RunAsync(string what, long total, Func<Action<long>, Task> work)
    {
        if (AnsiConsole.Profile.Capabilities.Interactive)
        {
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(what, maxValue: Math.Max(1, total));
                    await work(done => task.Increment(done)).ConfigureAwait(false);
                }).ConfigureAwait(false);
            return;
        }

        long done = 0;
        var reported = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await work(step =>
        {
            var now = Interlocked.Add(ref done, step);
            var tenth = total == 0 ? 10 : (int)(now * 10 / total);
            if (tenth > Volatile.Read(ref reported) && Interlocked.Exchange(ref reported, tenth) < tenth)
            {
                Console.WriteLine($"{what}: {now:N0}/{total:N0} ({tenth * 10} %) after {clock.Elapsed.TotalSeconds:0.0} s");
            }
        }).ConfigureAwait(false);
    }
}
