using System.Globalization;
using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.EndToEnd.Tests;

/// <summary>The AppHost's demo resource, as <c>dotnet run --project AppHost</c> runs it (fewer rows, same steps).</summary>
public sealed partial class DemoTests
{
    [Fact]
    public async Task AppHost_WithTheDemoOn_RunsItToCompletionAndPrintsRecallAbove95Percent()
    {
        using var scope = new TestScope(TimeSpan.FromMinutes(6), TestContext.Current.CancellationToken);
        var ct = scope.Token;
        await using var run = await AppHostRun.StartAsync(scope.DataPath, ct, demoRows: 20_000);
        var output = new List<string>();
        using var logs = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var demo = run.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == "demo");
        var reading = Task.Run(async () =>
        {
            await foreach (var batch in run.App.Services.GetRequiredService<ResourceLoggerService>().WatchAsync(demo).WithCancellation(logs.Token))
            {
                lock (output)
                {
                    output.AddRange(batch.Select(line => line.Content));
                }
            }
        }, CancellationToken.None);

        var finished = await run.App.ResourceNotifications.WaitForResourceAsync("demo", e => e.Snapshot.State?.Text == KnownResourceStates.Finished || e.Snapshot.ExitCode is not null, ct);
        await Task.Delay(500, ct);
        await logs.CancelAsync();
        await reading.ContinueWith(_ => { }, TaskScheduler.Default);

        string[] lines;
        lock (output)
        {
            lines = [.. output];
        }

        Assert.True(finished.Snapshot.ExitCode == 0, $"demo exited with {finished.Snapshot.ExitCode}: {string.Join(Environment.NewLine, lines.TakeLast(20))}");
        Assert.True(lines.Any(l => l.Contains("ingest: 20,000/20,000 (100 %)", StringComparison.Ordinal)), $"{lines.Length} lines: {string.Join(Environment.NewLine, lines.Take(40))}");
        var recall = lines.Select(l => Recall().Match(l)).Single(m => m.Success);
        Assert.True(double.Parse(recall.Groups["recall"].Value, CultureInfo.InvariantCulture) >= 0.95, recall.Value);
    }

    [GeneratedRegex(@"recall@10 (?<recall>\d\.\d+) against brute force")]
    private static partial Regex Recall();
}
