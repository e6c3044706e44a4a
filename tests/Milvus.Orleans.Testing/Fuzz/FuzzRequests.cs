using System.Diagnostics;
using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Expressions;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Testing.Fuzz;

/// <summary>
/// One generated request against collection <see cref="FuzzInputs.Schema"/>. Reads are Eventually consistent: a strong
/// read waits for the next time tick of an idle shard, which would spend the fuzz run's time waiting instead of probing.
/// </summary>
public abstract record FuzzRequest
{
    /// <summary>Sends the request through the client SDK.</summary>
    public abstract Task RunAsync(MilvusClient client, CancellationToken cancellationToken);
}

public sealed record FuzzSearch(string Filter, int Queries, int TopK, string[] OutputFields) : FuzzRequest
{
    public override Task RunAsync(MilvusClient client, CancellationToken cancellationToken) => client.SearchAsync(
        FuzzInputs.Schema.Name,
        [.. Enumerable.Range(0, Math.Max(0, Queries)).Select(q => Enumerable.Range(0, FuzzInputs.Dimension).Select(d => (float)(q + d)).ToArray())],
        TopK,
        new SearchParameters(Filter, OutputFields, Query.ConsistencyLevel.Eventually),
        cancellationToken);
}

public sealed record FuzzQuery(string Filter, int Limit, int Offset, string[] OutputFields) : FuzzRequest
{
    public override Task RunAsync(MilvusClient client, CancellationToken cancellationToken) =>
        client.QueryAsync(FuzzInputs.Schema.Name, Filter, new QueryParameters(OutputFields, Limit, Offset, Query.ConsistencyLevel.Eventually), cancellationToken);
}

public sealed record FuzzCount(string Filter) : FuzzRequest
{
    public override Task RunAsync(MilvusClient client, CancellationToken cancellationToken) =>
        client.CountAsync(FuzzInputs.Schema.Name, Filter, Query.ConsistencyLevel.Eventually, cancellationToken: cancellationToken);
}

public sealed record FuzzGet(long[] Keys) : FuzzRequest
{
    public override Task RunAsync(MilvusClient client, CancellationToken cancellationToken) =>
        client.GetAsync(FuzzInputs.Schema.Name, PrimaryKeys.Of(Keys), ["title"], Query.ConsistencyLevel.Eventually, cancellationToken: cancellationToken);
}

public sealed record FuzzInsert(RowBatch Rows) : FuzzRequest
{
    public override Task RunAsync(MilvusClient client, CancellationToken cancellationToken) =>
        client.UpsertAsync(FuzzInputs.Schema.Name, Rows, cancellationToken: cancellationToken);
}

/// <summary>Deletes what a generated filter selects, but never more than keys 1000 and up (the fuzz collection's base rows stay).</summary>
public sealed record FuzzDelete(string Filter) : FuzzRequest
{
    public override Task RunAsync(MilvusClient client, CancellationToken cancellationToken) =>
        client.DeleteAsync(FuzzInputs.Schema.Name, $"id >= 1000 and ({Filter})", cancellationToken: cancellationToken);
}

public sealed record FuzzCreate(CollectionSchema Schema) : FuzzRequest
{
    public override async Task RunAsync(MilvusClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        await client.CreateCollectionAsync(Schema, cancellationToken).ConfigureAwait(false);
        await client.DropCollectionAsync(Schema.Name, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>How one case ended.</summary>
public enum FuzzOutcome
{
    /// <summary>A result.</summary>
    Done,

    /// <summary>A <see cref="MilvusException"/> with the code of the request's own problem.</summary>
    Refused,

    /// <summary>Anything else: another exception, or <see cref="ErrorCode.Internal"/> (a failure the service did not foresee).</summary>
    Crashed,

    /// <summary>No end within the time bound.</summary>
    Hung,
}

/// <summary>Runs fuzz cases and judges how each ended.</summary>
public static class FuzzRunner
{
    /// <summary>How long one case may take before it counts as a hang.</summary>
    public static readonly TimeSpan TimeBound = TimeSpan.FromSeconds(20);

    /// <summary>Parses a generated expression: a tree, or <see cref="ErrorCode.InvalidExpression"/>.</summary>
    public static (FuzzOutcome Outcome, string? Detail) Parse(string expression)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            FilterParser.Parse(expression);
            return Judge(FuzzOutcome.Done, null, clock);
        }
        catch (MilvusException ex) when (ex.Code == ErrorCode.InvalidExpression)
        {
            return Judge(FuzzOutcome.Refused, null, clock);
        }
        catch (Exception ex)
        {
            return (FuzzOutcome.Crashed, ex.ToString());
        }
    }

    /// <summary>Sends <paramref name="request"/>: a result, or a <see cref="MilvusException"/> that is not <see cref="ErrorCode.Internal"/>.</summary>
    public static async Task<(FuzzOutcome Outcome, string? Detail)> RunAsync(MilvusClient client, FuzzRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var clock = Stopwatch.StartNew();
        try
        {
            await request.RunAsync(client, cancellationToken).WaitAsync(TimeBound, cancellationToken).ConfigureAwait(false);
            return Judge(FuzzOutcome.Done, null, clock);
        }
        catch (TimeoutException) when (clock.Elapsed >= TimeBound)
        {
            return (FuzzOutcome.Hung, $"no end after {TimeBound.TotalSeconds:0} s");
        }
        catch (MilvusException ex) when (ex.Code is not (ErrorCode.Internal or ErrorCode.Unavailable))
        {
            return Judge(FuzzOutcome.Refused, null, clock);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return (FuzzOutcome.Crashed, ex.ToString());
        }
    }

    private static (FuzzOutcome, string?) Judge(FuzzOutcome outcome, string? detail, Stopwatch clock) =>
        clock.Elapsed >= TimeBound ? (FuzzOutcome.Hung, $"took {clock.Elapsed.TotalSeconds:0.0} s") : (outcome, detail);
}
