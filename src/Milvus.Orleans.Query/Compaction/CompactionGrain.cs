using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Query.Compaction;

/// <summary>
/// One collection's compaction (key: its id). The work runs off the grain's turns, in <see cref="Compactor"/>; the
/// grain holds its state and a version that changes with every segment swapped in, which the collection's delegators
/// watch to move their reads onto the new segments.
/// </summary>
internal sealed partial class CompactionGrain(Compactor compactor, TimeProvider time, ILogger<CompactionGrain> logger) : Grain, ICompactionGrain, ICompactionSchedule
{
    private static readonly TimeSpan KeepAlivePeriod = TimeSpan.FromMinutes(1);

    private readonly Guid _incarnation = Guid.NewGuid();
    private readonly Dictionary<long, int> _checkedSegments = [];
    private CompactionState? _state;
    private int _swaps;
    private Task? _run;
    private IGrainTimer? _keepAlive;

    private long CollectionId => this.GetPrimaryKeyLong();

    public async Task<CompactionState> CompactAsync()
    {
        var collection = await GrainFactory.GetGrain<ICatalogGrain>(0).GetCollectionAsync(CollectionId).ConfigureAwait(true);
        if (collection is null or { IsDropped: true })
        {
            throw new MilvusException(ErrorCode.CollectionNotFound, $"Collection {CollectionId} does not exist.");
        }

        if (_run is not { IsCompleted: false })
        {
            Start(collection);
        }

        return State;
    }

    public Task<CompactionState> GetStateAsync() => Task.FromResult(State);

    public Task<string> GetVersionAsync() => Task.FromResult($"{_incarnation:N}/{Volatile.Read(ref _swaps)}");

    public async Task CompactIfDueAsync(TimeSpan interval)
    {
        if (_run is { IsCompleted: false } || (_state?.Finished is { } finished && time.GetUtcNow() - finished < interval))
        {
            return;
        }

        var collection = await GrainFactory.GetGrain<ICatalogGrain>(0).GetCollectionAsync(CollectionId).ConfigureAwait(true);
        if (collection is { IsDropped: false } && _run is not { IsCompleted: false })
        {
            Start(collection);
        }
    }

    private CompactionState State => Volatile.Read(ref _state)
        ?? new CompactionState(CollectionId, CompactionPhase.Idle, 0, 0, 0, 0, 0, 0, 0, null, null, null);

    private void Start(CollectionInfo collection)
    {
        Report(new CompactionState(CollectionId, CompactionPhase.Running, 0, 0, 0, 0, 0, 0, 0, time.GetUtcNow(), null, null));
        // Off the grain's turns: reading, encoding and building graphs take long stretches of a thread.
        _run = Task.Run(() => RunAsync(collection));
        // The activation stays while it runs, so a second one cannot start another run of the same collection.
        _keepAlive ??= this.RegisterGrainTimer(KeepAliveAsync, new GrainTimerCreationOptions(KeepAlivePeriod, KeepAlivePeriod) { KeepAlive = true, Interleave = true });
    }

    private async Task RunAsync(CollectionInfo collection)
    {
        try
        {
            await compactor.RunAsync(collection, _checkedSegments, Report, CancellationToken.None).ConfigureAwait(true);
        }
        catch (Exception ex)
        {
            LogFailed(logger, CollectionId, ex);
            Report(State with { Phase = CompactionPhase.Failed, Finished = time.GetUtcNow(), Error = ex.Message });
        }
    }

    private void Report(CompactionState state)
    {
        if (state.Done > (_state?.Done ?? 0))
        {
            Interlocked.Increment(ref _swaps);
        }

        Volatile.Write(ref _state, state);
    }

    private Task KeepAliveAsync(CancellationToken cancellationToken)
    {
        if (_run is { IsCompleted: true })
        {
            _keepAlive?.Dispose();
            _keepAlive = null;
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Compaction of collection {CollectionId} failed; segments replaced before the failure stay replaced")]
    private static partial void LogFailed(ILogger logger, long collectionId, Exception exception);
}

/// <summary>Starts a compaction of every collection every <see cref="CompactionOptions.IntervalMinutes"/> from every silo; each collection's grain runs it once per interval.</summary>
internal sealed partial class CompactionSweeps(IGrainFactory grains, IOptions<CompactionOptions> options, TimeProvider time, ILogger<CompactionSweeps> logger)
    : Microsoft.Extensions.Hosting.BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.IntervalMinutes == 0)
        {
            return;
        }

        var interval = TimeSpan.FromMinutes(options.Value.IntervalMinutes);
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var catalog = grains.GetGrain<ICatalogGrain>(0);
                foreach (var name in await catalog.ListCollectionsAsync().ConfigureAwait(false))
                {
                    var collection = await catalog.DescribeCollectionAsync(name).ConfigureAwait(false);
                    await grains.GetGrain<ICompactionSchedule>(collection.Id).CompactIfDueAsync(interval).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A collection dropped meanwhile, or the catalog unreachable for now: the next period tries again.
                LogSweepFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Starting the periodic compactions failed; the next period tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
