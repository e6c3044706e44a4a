using System.Diagnostics;
using CsCheck;
using Milvus.Orleans.Expressions;
using Milvus.Orleans.Query.Filters;
using Milvus.Orleans.Query.Tests.Filters;
using Milvus.Orleans.Testing;
using Milvus.Orleans.Testing.Fuzz;

namespace Milvus.Orleans.Query.Tests.Fuzz;

/// <summary>
/// Generated hostile and ordinary input (<see cref="FuzzInputs"/>): every case ends in a result or a
/// <see cref="MilvusException"/> with its code, within <see cref="FuzzRunner.TimeBound"/>, and every silo lives on.
/// 8,000 expressions through the parser and compiler and 2,500 requests through an in-process cluster per run; the
/// benchmark tool runs the same for minutes (<c>fuzz --minutes N</c>).
/// </summary>
public sealed class FuzzTests(FuzzTests.Fixture fixture) : IClassFixture<FuzzTests.Fixture>
{
    private const int Expressions = 8_000;
    private const int Requests = 2_500;

    [Fact]
    public void ParseAndCompile_OfGeneratedExpressions_EndInARowSetOrAnInvalidExpression()
    {
        var rows = FilterRows.Batch(FilterRows.All);
        var cases = 0;

        FuzzInputs.Expression().Sample(
            expression =>
            {
                Interlocked.Increment(ref cases);
                var clock = Stopwatch.StartNew();
                try
                {
                    var predicate = FilterCompiler.Bind(FilterParser.Parse(expression), FilterRows.Schema, rows);
                    _ = Enumerable.Range(0, rows.RowCount).Count(predicate);
                }
                catch (MilvusException ex) when (ex.Code == ErrorCode.InvalidExpression)
                {
                    // Refused for its own content, as it should be.
                }

                Assert.True(clock.Elapsed < FuzzRunner.TimeBound, $"'{expression}' took {clock.Elapsed}");
            },
            iter: Expressions);

        Assert.Equal(Expressions, cases);
    }

    [Fact]
    public async Task Requests_OfGeneratedReadsAndWrites_EndInAResultOrACodedErrorAndEverySiloLives()
    {
        var ct = TestContext.Current.CancellationToken;
        var outcomes = new int[Enum.GetValues<FuzzOutcome>().Length];

        await FuzzInputs.Requests.SampleAsync(
            async request =>
            {
                var (outcome, detail) = await FuzzRunner.RunAsync(fixture.Cluster.Client, request, ct);
                Interlocked.Increment(ref outcomes[(int)outcome]);
                Assert.True(outcome is FuzzOutcome.Done or FuzzOutcome.Refused, $"{request}: {outcome} {detail}");
            },
            iter: Requests,
            threads: 2);

        Assert.Equal(Requests, outcomes.Sum());
        Assert.True(outcomes[(int)FuzzOutcome.Done] > Requests / 10, $"only {outcomes[(int)FuzzOutcome.Done]} of {Requests} requests succeeded");
        Assert.Equal(2, fixture.Cluster.Cluster.GetActiveSilos().Count());
        Assert.Equal(1_000L, await fixture.Cluster.Client.CountAsync(FuzzInputs.Schema.Name, "id < 1000", ConsistencyLevel.Strong, cancellationToken: ct));
    }

    /// <summary>Two silos and the fuzz collection with rows 0..999, half of them flushed to history.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public InProcessMilvusCluster Cluster { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            Cluster = await InProcessMilvusCluster.StartAsync(2);
            var client = Cluster.Client;
            await client.CreateCollectionAsync(FuzzInputs.Schema);
            for (var first = 0L; first < 1_000; first += 20)
            {
                await client.InsertAsync(FuzzInputs.Schema.Name, FuzzInputs.Rows(first, 20));
                if (first == 480)
                {
                    await client.FlushAsync(FuzzInputs.Schema.Name);
                }
            }
        }

        public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
    }
}
