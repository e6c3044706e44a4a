using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry.Trace;

namespace Milvus.Orleans.ServiceDefaults.Tests;

public sealed class TraceRateSamplerTests
{
    [Fact]
    public void ShouldSample_WhenTracesComeFasterThanTheRate_SamplesASecondsWorthThenTheRate()
    {
        var time = new FakeTimeProvider();
        var sampler = new TraceRateSampler(10, time);

        var burst = Decisions(sampler, 25);
        time.Advance(TimeSpan.FromMilliseconds(500));
        var halfASecondLater = Decisions(sampler, 25);

        Assert.Equal(10, burst.Count(d => d == SamplingDecision.RecordAndSample));
        Assert.All(burst.Skip(10), d => Assert.Equal(SamplingDecision.Drop, d));
        Assert.Equal(5, halfASecondLater.Count(d => d == SamplingDecision.RecordAndSample));
    }

    [Fact]
    public void ShouldSample_WhenTracesComeSlowerThanTheRate_SamplesEach()
    {
        var time = new FakeTimeProvider();
        var sampler = new TraceRateSampler(10, time);
        var decisions = new List<SamplingDecision>();

        for (var i = 0; i < 100; i++)
        {
            decisions.AddRange(Decisions(sampler, 1));
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.All(decisions, d => Assert.Equal(SamplingDecision.RecordAndSample, d));
    }

    [Fact]
    public void ShouldSample_AfterAnIdleHour_SamplesOnlyASecondsWorthAtOnce()
    {
        var time = new FakeTimeProvider();
        var sampler = new TraceRateSampler(10, time);
        _ = Decisions(sampler, 10);

        time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(10, Decisions(sampler, 100).Count(d => d == SamplingDecision.RecordAndSample));
    }

    [Fact]
    public void ShouldSample_AtZeroPerSecond_SamplesNothing()
    {
        var time = new FakeTimeProvider();
        var sampler = new TraceRateSampler(0, time);
        var decisions = Decisions(sampler, 5);
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.All([.. decisions, .. Decisions(sampler, 5)], d => Assert.Equal(SamplingDecision.Drop, d));
    }

    private static List<SamplingDecision> Decisions(TraceRateSampler sampler, int traces) =>
        [.. Enumerable.Range(0, traces).Select(_ => sampler.ShouldSample(new SamplingParameters(default, ActivityTraceId.CreateRandom(), "search", ActivityKind.Client)).Decision)];
}
