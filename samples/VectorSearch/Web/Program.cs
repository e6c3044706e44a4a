using System.Linq.Expressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using OpenTelemetry;
using Milvus.Orleans.VectorData;
using VectorSearch.Web;

var builder = WebApplication.CreateBuilder(args);

// The local embedding generator, then the store: the store embeds each document's text with it, and search text too.
builder.Services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>, HashingEmbeddingGenerator>();
builder.AddMilvusVectorStore("milvus");
if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
{
    // Traces of each search (this app → delegators → query nodes) in the Aspire dashboard.
    builder.Services.AddOpenTelemetry().UseOtlpExporter();
}

builder.Services.AddSingleton<Library>();
builder.Services.AddHostedService(provider => provider.GetRequiredService<Library>());
builder.Services.AddHealthChecks().AddCheck<Library>("documents");

var app = builder.Build();
app.MapHealthChecks("/health");

// GET /search?q=how do rockets reach orbit&top=3&topic=space
app.MapGet("/search", async (Library library, string q, int? top, string? topic, CancellationToken cancellationToken) =>
{
    if (string.IsNullOrWhiteSpace(q) || top is < 1 or > 16)
    {
        return Results.BadRequest(new { error = "q is the text to search for; top, if given, is 1..16." });
    }

    Expression<Func<Document, bool>>? filter = topic is null ? null : d => d.Topic == topic;
    var hits = library.Documents.SearchAsync(q, top ?? 3, new VectorSearchOptions<Document> { Filter = filter }, cancellationToken);
    return Results.Ok(await hits.Select(h => new SearchHit(h.Record.Id, h.Record.Title, h.Record.Topic, h.Score ?? 0)).ToListAsync(cancellationToken));
});

app.Run();

internal sealed record SearchHit(long Id, string Title, string Topic, double Score);
