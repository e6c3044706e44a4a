using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.VectorData;

namespace VectorSearch.Web;

/// <summary>Stores the sample's documents once at start; healthy (and searchable) from then on.</summary>
public sealed partial class Library(VectorStore store, ILogger<Library> logger) : BackgroundService, IHealthCheck
{
    public const string CollectionName = "documents";

    private readonly TaskCompletionSource _stored = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public VectorStoreCollection<long, Document> Documents { get; } = store.GetCollection<long, Document>(CollectionName);

    public static IReadOnlyList<Document> Samples { get; } =
    [
        new() { Id = 1, Topic = "space", Title = "Reaching orbit", Text = "Rockets reach orbit by flying sideways fast enough that the ground curves away beneath them." },
        new() { Id = 2, Topic = "space", Title = "The Moon's far side", Text = "The far side of the Moon always faces away from Earth because its rotation is locked to its orbit." },
        new() { Id = 3, Topic = "space", Title = "Mars rovers", Text = "Rovers on Mars drive slowly and plan each route so their wheels survive the sharp rocks." },
        new() { Id = 4, Topic = "space", Title = "Space telescopes", Text = "A telescope in space sees infrared light that the atmosphere would absorb before it reached the ground." },
        new() { Id = 5, Topic = "cooking", Title = "Bread dough", Text = "Bread dough rises because yeast turns sugar into gas, and kneading builds the gluten that holds it." },
        new() { Id = 6, Topic = "cooking", Title = "Searing meat", Text = "Searing meat in a hot pan browns its surface; the flavour comes from the browning, not from sealing juices in." },
        new() { Id = 7, Topic = "cooking", Title = "Pasta water", Text = "Salting pasta water seasons the pasta from inside, and the starchy water thickens the sauce." },
        new() { Id = 8, Topic = "cooking", Title = "Ripe bananas", Text = "Bananas ripen faster beside apples, which give off ethylene gas." },
        new() { Id = 9, Topic = "databases", Title = "Write-ahead logs", Text = "A database writes changes to a write-ahead log before applying them, so a crash loses nothing acknowledged." },
        new() { Id = 10, Topic = "databases", Title = "Vector search", Text = "Vector search finds the stored vectors nearest a query vector, such as documents similar in meaning." },
        new() { Id = 11, Topic = "databases", Title = "Indexes", Text = "An index lets a database find rows without reading every row, at the cost of work on each write." },
        new() { Id = 12, Topic = "databases", Title = "Compaction", Text = "Compaction merges many small segments into fewer large ones and drops deleted rows." },
        new() { Id = 13, Topic = "music", Title = "Tuning a guitar", Text = "Guitar strings are tuned by tension: a tighter string vibrates faster and sounds higher." },
        new() { Id = 14, Topic = "music", Title = "Playing in rhythm", Text = "A metronome keeps the tempo steady while a musician practises playing in rhythm." },
        new() { Id = 15, Topic = "music", Title = "Piano keys", Text = "A piano key lifts a damper and throws a hammer against the strings, which ring until the key is released." },
        new() { Id = 16, Topic = "music", Title = "Choir voices", Text = "A choir blends soprano, alto, tenor and bass voices into chords." },
    ];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Documents.EnsureCollectionExistsAsync(stoppingToken);
        await Documents.UpsertAsync(Samples, stoppingToken);
        LogStored(logger, Samples.Count, CollectionName);
        _stored.TrySetResult();
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_stored.Task.IsCompletedSuccessfully
            ? HealthCheckResult.Healthy($"{Samples.Count} documents stored.")
            : HealthCheckResult.Unhealthy("Storing the documents."));

    [LoggerMessage(Level = LogLevel.Information, Message = "Stored {Count} documents in collection '{Collection}'; search them: GET /search?q=how+do+rockets+reach+orbit")]
    private static partial void LogStored(ILogger logger, int count, string collection);
}
