using Milvus.Orleans.Testing;
using System.Net.Http.Json;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Milvus.Orleans.EndToEnd.Tests;

/// <summary>The sample under samples/VectorSearch, started as its README says: its AppHost, with the hosting integration.</summary>
public sealed class SampleTests
{
    private sealed record Hit(long Id, string Title, string Topic, double Score);

    [Fact]
    public async Task Sample_WhenStarted_StoresItsDocumentsAndAnswersSearches()
    {
        using var scratch = new TestScope(TimeSpan.FromMinutes(5), TestContext.Current.CancellationToken);
        var ct = scratch.Token;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.VectorSearch_AppHost>(
            [$"--DataPath={scratch.DataPath}", "--WebPort=0", "--Parameters:milvus-root-password=sample-test-password"], ct);
        await using var app = await builder.BuildAsync(ct);
        await app.StartAsync(ct);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("web", ct);
        using var http = app.CreateHttpClient("web");

        var orbit = await http.GetFromJsonAsync<Hit[]>("/search?q=how+do+rockets+reach+orbit&top=3", ct);
        var bread = await http.GetFromJsonAsync<Hit[]>("/search?q=why+does+bread+dough+rise&top=2&topic=cooking", ct);
        var refused = await http.GetAsync(new Uri("/search?q=orbit&top=99", UriKind.Relative), ct);

        Assert.Equal((1, "Reaching orbit", "space"), (orbit![0].Id, orbit[0].Title, orbit[0].Topic));
        Assert.Equal(3, orbit.Length);
        Assert.True(orbit[0].Score > orbit[1].Score, $"{orbit[0].Score} > {orbit[1].Score}");
        Assert.Equal([5L, 6L], bread!.Select(h => h.Id));
        Assert.All(bread!, h => Assert.Equal("cooking", h.Topic));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.True(app.ResourceNotifications.TryGetCurrentState("milvus", out var milvus));
        Assert.Equal(KnownResourceStates.Running, milvus.Snapshot.State?.Text);
        Assert.Equal(
            ["milvus-azurite", "milvus-garnet", "milvus-silo0"],
            builder.Resources.Where(r => r.TryGetAnnotationsOfType<ResourceRelationshipAnnotation>(out var parents) && parents.Any(p => p.Resource.Name == "milvus" && p.Type == "Parent"))
                .Select(r => r.Name).Order());
    }
}
