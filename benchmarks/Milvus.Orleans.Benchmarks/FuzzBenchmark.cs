using System.Diagnostics;
using CsCheck;
using Milvus.Orleans.Testing;
using Milvus.Orleans.Testing.Fuzz;

namespace Milvus.Orleans.Benchmarks;

/// <summary>
/// The fuzz tests' generators run for minutes instead of a fixed count: expressions through the parser, and reads and
/// writes through the client SDK against an in-process cluster of two silos. Counts every case, and how many crashed (an
/// exception other than a coded <see cref="MilvusException"/>, <see cref="ErrorCode.Internal"/>, or a dead silo) or
/// hung (no end within <see cref="FuzzRunner.TimeBound"/>); prints the first few of each.
/// </summary>
internal static class FuzzBenchmark
{
    private const int Shown = 5;

    public static async Task RunAsync(TimeSpan duration, TextWriter output)
    {
        await using var cluster = await InProcessMilvusCluster.StartAsync(2);
        await cluster.Client.CreateCollectionAsync(FuzzInputs.Schema);
        for (var first = 0L; first < 1_000; first += 20)
        {
            await cluster.Client.InsertAsync(FuzzInputs.Schema.Name, FuzzInputs.Rows(first, 20));
        }

        await cluster.Client.FlushAsync(FuzzInputs.Schema.Name);
        var counts = new long[Enum.GetValues<FuzzOutcome>().Length];
        var findings = new List<string>();
        var clock = Stopwatch.StartNew();
        var expressions = FuzzInputs.Expression();
        while (clock.Elapsed < duration)
        {
            // Expressions are cheap: many per request, so both get their share of the time.
            foreach (var expression in Enumerable.Range(0, 20).Select(_ => expressions.Single()))
            {
                Count(FuzzRunner.Parse(expression), expression);
            }

            var request = FuzzInputs.Requests.Single();
            Count(await FuzzRunner.RunAsync(cluster.Client, request, CancellationToken.None), request.ToString());
            if (cluster.Cluster.GetActiveSilos().Count() != 2)
            {
                counts[(int)FuzzOutcome.Crashed]++;
                findings.Add($"Crashed: a silo died after {request}");
                break;
            }
        }

        // The first few of each kind: a run of one kind of hang must not hide a crash.
        foreach (var finding in findings.GroupBy(f => f[..f.IndexOf(':', StringComparison.Ordinal)]).SelectMany(g => g.Take(Shown)))
        {
            await output.WriteLineAsync($"fuzz.finding: {finding}");
        }

        await output.WriteLineAsync($"fuzz.minutes={Measurement.Format(clock.Elapsed.TotalMinutes)}");
        await output.WriteLineAsync($"fuzz.cases={counts.Sum()} (done {counts[(int)FuzzOutcome.Done]}, refused with a code {counts[(int)FuzzOutcome.Refused]})");
        await output.WriteLineAsync($"fuzz.crashes={counts[(int)FuzzOutcome.Crashed]}");
        await output.WriteLineAsync($"fuzz.hangs={counts[(int)FuzzOutcome.Hung]}");

        void Count((FuzzOutcome Outcome, string? Detail) result, string input)
        {
            counts[(int)result.Outcome]++;
            if (result.Outcome is FuzzOutcome.Crashed or FuzzOutcome.Hung)
            {
                findings.Add($"{result.Outcome}: {(input.Length > 200 ? input[..200] + "…" : input)}: {(result.Detail is { Length: > 1_500 } detail ? detail[..1_500] + "…" : result.Detail)}");
            }
        }
    }
}
