using System.Net;
using System.Text;

namespace Milvus.Orleans.Gateway.Tests;

[Collection(nameof(RestFixture))]
public sealed class RestErrorTests(RestFixture fixture) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() =>
        await fixture.CallAsync("collections/create", """{"collectionName":"strict","dimension":2,"params":{"enableDynamicField":false}}""");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Theory]
    [InlineData("collections/describe", """{"collectionName":"missing"}""", """{"code":100,"message":"collection not found[collection=missing]"}""")]
    [InlineData("entities/search", """{"collectionName":"missing","data":[[1,0]]}""", """{"code":100,"message":"collection not found[collection=missing]"}""")]
    [InlineData("collections/describe", "{}", """{"code":1802,"message":"missing required parameters: 'collectionName'"}""")]
    [InlineData("collections/create", """{"collectionName":"nodim"}""", """{"code":1802,"message":"missing required parameters: 'dimension'"}""")]
    [InlineData("collections/describe", """{"collectionName":"strict","dbName":"other"}""", """{"code":800,"message":"database not found[database=other]: this service has only the database 'default'"}""")]
    [InlineData("entities/insert", """{"collectionName":"strict","data":[{"id":1,"vector":[1,0,0]}]}""", """{"code":1804,"message":"row 0 field 'vector' has 3 values: the field's dimension is 2"}""")]
    [InlineData("entities/insert", """{"collectionName":"strict","data":[{"id":1,"vector":[1,0],"color":"red"}]}""", """{"code":1804,"message":"row 0 has field 'color', which collection 'strict' does not have (fields: id, vector; it has no dynamic field)"}""")]
    [InlineData("entities/insert", """{"collectionName":"strict","data":[{"id":1.5,"vector":[1,0]}]}""", """{"code":1804,"message":"row 0 field 'id' (Int64) must be a whole number in the Int64 range, not 1.5"}""")]
    [InlineData("entities/get", """{"collectionName":"strict","id":["a"]}""", """{"code":1806,"message":"primary key 'id' is Int64: \"a\" is not one"}""")]
    [InlineData("entities/search", """{"collectionName":"strict","data":[[1,0,0]]}""", """{"code":1100,"message":"query vector 0 has 3 values: field 'vector' has dimension 2"}""")]
    [InlineData("entities/search", """{"collectionName":"strict","data":[[1,0]],"limit":0}""", """{"code":1100,"message":"'limit' is 0: allowed 1..16384"}""")]
    [InlineData("entities/search", """{"collectionName":"strict","data":[[1,0]],"consistencyLevel":"Sometimes"}""", """{"code":1100,"message":"'consistencyLevel' is 'Sometimes': expected Strong, Bounded, Session or Eventually"}""")]
    [InlineData("entities/search", """{"collectionName":"strict","data":[[1,0]],"searchParams":{"metric_type":"IP"}}""", """{"code":1100,"message":"metric type IP does not match the metric of field 'vector' (COSINE)"}""")]
    [InlineData("entities/search", """{"collectionName":"strict","data":[[1,0]],"partitionNames":["nowhere"]}""", """{"code":200,"message":"Collection 'strict' has no partition 'nowhere'."}""")]
    [InlineData("entities/query", """{"collectionName":"strict","filter":"color == 1"}""", """{"code":1100,"message":"Invalid expression at position 0: collection 'strict' has no field 'color'."}""")]
    [InlineData("entities/hybrid_search", """{"collectionName":"strict"}""", """{"code":1100,"message":"hybrid_search is not supported yet: send one search per vector field"}""")]
    [InlineData("collections/create", """{"collectionName":"strict2","dimension":2,"idType":"Int8"}""", """{"code":1100,"message":"'idType' is 'Int8': expected Int64 or VarChar"}""")]
    [InlineData("collections/create", """{"collectionName":"strict2","schema":{"fields":[{"fieldName":"id","dataType":"Int8","isPrimary":true}]}}""", """{"code":1100,"message":"'schema.fields[0].dataType' is Int8, which this service does not support yet (supported: Bool, Int32, Int64, Float, Double, VarChar, JSON, FloatVector)"}""")]
    [InlineData("nowhere/at_all", "{}", """{"code":1100,"message":"no endpoint /v2/vectordb/nowhere/at_all: see docs/api.md for the endpoints served"}""")]
    public async Task Request_WhenWrong_AnswersHttp200WithMilvusCodeAndAMessageNamingTheProblem(string endpoint, string json, string reply)
    {
        var (status, body) = await fixture.PostAsync(endpoint, json);

        Assert.Equal((HttpStatusCode.OK, reply), (status, body));
    }

    [Fact]
    public async Task Request_WhenTheBodyIsNotJson_Answers1801AndWritesNothing()
    {
        var (status, body) = await fixture.PostAsync("entities/insert", """{"collectionName":"strict","data":[{"id":1,""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("""{"code":1801,"message":"the request body is not valid JSON: """, body, StringComparison.Ordinal);
        Assert.Equal("""{"code":0,"data":{"rowCount":0}}""", await fixture.CallAsync("collections/get_stats", """{"collectionName":"strict"}"""));
    }

    [Theory]
    [InlineData(null, "Not authenticated: the request carries no token. Authorization is on: send the header 'Authorization: Bearer user:password'.")]
    [InlineData("", "Not authenticated: the request carries no token. Authorization is on: send the header 'Authorization: Bearer user:password'.")]
    [InlineData("root:wrong-password", "Not authenticated: user 'root' does not exist or the password is wrong.")]
    public async Task Request_WhenNotAuthenticated_AnswersHttp401WithCode1800(string? token, string message)
    {
        var (status, body) = await fixture.PostAsync("collections/list", "{}", token);

        Assert.Equal((HttpStatusCode.Unauthorized, $$"""{"code":1800,"message":"{{message}}"}"""), (status, body));
    }

    [Fact]
    public async Task Request_WhenNotAuthenticatedAndItsBodyIsNotJson_AnswersNotAuthenticatedFirst()
    {
        var (status, body) = await fixture.PostAsync("collections/describe", "{not json", token: "root:wrong-password");

        Assert.Equal((HttpStatusCode.Unauthorized, """{"code":1800,"message":"Not authenticated: user 'root' does not exist or the password is wrong."}"""), (status, body));
    }

    [Fact]
    public async Task Request_WhenSentAsTheNodeSdkDoesAsTextPlainWithBasicCredentials_IsReadAsJson()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "collections/has")
        {
            Content = new StringContent("""{"collectionName":"strict"}""", Encoding.UTF8, "text/plain"),
        };
        request.Headers.TryAddWithoutValidation("ContentType", "application/json");
        request.Headers.TryAddWithoutValidation("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(RestFixture.RootToken)));
        using var response = await fixture.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal("""{"code":0,"data":{"has":true}}""", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
