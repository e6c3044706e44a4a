using System.Text;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Streaming.Tests.Collections;
using StackExchange.Redis;

namespace Milvus.Orleans.Streaming.Tests.Security;

/// <summary>
/// With authorization on, every client call carries a <c>user:password</c> token that a silo checks: root's against
/// the configured password, other users' against their stored hash. The token is set per call here through the request
/// context, which the client's own token (root's here, as the test cluster needs it) does not override.
/// </summary>
public sealed class AuthenticationTests(AuthenticationTests.Fixture fixture) : IClassFixture<AuthenticationTests.Fixture>
{
    private const string RootPassword = "root-secret-1";
    private const string Root = "root:" + RootPassword;

    private Testing.InProcessMilvusCluster TestCluster => fixture.Cluster;

    [Theory]
    [InlineData("", "Not authenticated: the call carries no token. Authorization is on: give user:password (MilvusClientOptions.Token, or configuration Milvus:Token).")]
    [InlineData("root", "Not authenticated: the token is not user:password.")]
    [InlineData("root:wrong-password", "Not authenticated: user 'root' does not exist or the password is wrong.")]
    [InlineData("nobody:" + RootPassword, "Not authenticated: user 'nobody' does not exist or the password is wrong.")]
    public async Task Call_WhenTheTokenIsMissingOrWrong_FailsUnauthenticatedAndDoesNothing(string token, string message)
    {
        var ct = TestContext.Current.CancellationToken;
        As(token);

        var error = await Assert.ThrowsAsync<MilvusException>(() => TestCluster.Client.CreateCollectionAsync(TestRows.Schema("refused"), ct));

        Assert.Equal(ErrorCode.Unauthenticated, error.Code);
        Assert.Equal(message, error.Message);
        As(Root);
        Assert.DoesNotContain("refused", await TestCluster.Client.ListCollectionsAsync(ct));
    }

    [Fact]
    public async Task Call_WhenTheClientClaimsAUserWithoutAToken_IsStillUnauthenticated()
    {
        As(string.Empty);
        RequestContext.Set(CallerIdentity.UserKey, CallerIdentity.RootUser);

        var error = await Assert.ThrowsAsync<MilvusException>(() => TestCluster.Client.ListUsersAsync(TestContext.Current.CancellationToken));

        Assert.Equal(ErrorCode.Unauthenticated, error.Code);
    }

    [Fact]
    public async Task Users_WhenRootCreatesOne_ItWritesButManagesNoUsersAndChangesOnlyItsOwnPassword()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        As(Root);
        await client.CreateCollectionAsync(TestRows.Schema("shared", shards: 1), ct);
        await client.CreateUserAsync("alice", "alice-pass-1", ct);

        As("alice:alice-pass-1");
        // A client cannot lend itself root's rights by naming root in its request context.
        RequestContext.Set(CallerIdentity.UserKey, CallerIdentity.RootUser);
        var written = await client.InsertAsync("shared", TestRows.Rows(0, 3), cancellationToken: ct);
        var create = await Assert.ThrowsAsync<MilvusException>(() => client.CreateUserAsync("mallory", "mallory-pass", ct));
        var list = await Assert.ThrowsAsync<MilvusException>(() => client.ListUsersAsync(ct));
        var wrongOld = await Assert.ThrowsAsync<MilvusException>(() => client.UpdatePasswordAsync("alice", "not-it", "alice-pass-2", ct));
        await client.UpdatePasswordAsync("alice", "alice-pass-1", "alice-pass-2", ct);

        Assert.Equal(3, written.Count);
        Assert.Equal((ErrorCode.PermissionDenied, "Only root may create users; the call is from 'alice'."), (create.Code, create.Message));
        Assert.Equal((ErrorCode.PermissionDenied, "Only root may list users; the call is from 'alice'."), (list.Code, list.Message));
        Assert.Equal((ErrorCode.PermissionDenied, "The old password of 'alice' is wrong."), (wrongOld.Code, wrongOld.Message));
        As("alice:alice-pass-2");
        Assert.Equal(3L, await client.CountAsync("shared", consistency: Query.ConsistencyLevel.Strong, cancellationToken: ct));
        As(Root);
        var users = await client.ListUsersAsync(ct);
        Assert.Equal("root", users[0]);
        Assert.Contains("alice", users);
    }

    [Fact]
    public async Task SearchAsync_WhenConcurrentCallersOfOneClientCarryDifferentTokens_EachIsAnsweredAsItsOwnCaller()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = TestCluster.Client;
        As(Root);
        await client.CreateCollectionAsync(TestRows.Schema("callers", shards: 1), ct);
        await client.InsertAsync("callers", TestRows.Rows(0, 20), cancellationToken: ct);
        var query = (float[])TestRows.Rows(0, 1).Column("vec")!.Values;

        // One client serving many callers (as the REST gateway does): searches of one shape wait and go as one batch,
        // which must never carry a caller's vector under another caller's token.
        var searches = Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
        {
            As(i % 2 == 0 ? Root : "root:wrong-password");
            try
            {
                return (await client.SearchAsync("callers", [query], 3, cancellationToken: ct)).Count == 1 ? "answered" : "wrong";
            }
            catch (MilvusException ex) when (ex.Code == ErrorCode.Unauthenticated)
            {
                return "refused";
            }
        }, ct)).ToArray();
        var outcomes = await Task.WhenAll(searches);

        Assert.Equal(Enumerable.Range(0, 64).Select(i => i % 2 == 0 ? "answered" : "refused"), outcomes);
    }

    [Theory]
    [InlineData("1alice", "pass-word", "Invalid user name '1alice': expected a letter followed by letters, digits or '_', 1..32 characters.")]
    [InlineData("alice", "short", "A password has 6..256 characters; this one has 5.")]
    [InlineData("root", "pass-word", "User 'root' exists already.")]
    public async Task CreateUserAsync_WhenTheNameOrPasswordBreaksTheRules_FailsWithInvalidArgument(string user, string password, string message)
    {
        As(Root);

        var error = await Assert.ThrowsAsync<MilvusException>(() => TestCluster.Client.CreateUserAsync(user, password, TestContext.Current.CancellationToken));

        Assert.Equal((ErrorCode.InvalidArgument, message), (error.Code, error.Message));
    }

    [Fact]
    public async Task CreateUserAsync_WhenStored_KeepsOnlyASaltedHashOfThePassword()
    {
        const string Password = "a-very-distinct-password-42";
        As(Root);
        await TestCluster.Client.CreateUserAsync("bob", Password, TestContext.Current.CancellationToken);

        var stored = await TestCluster.SiloGrains.GetGrain<IUserDirectoryGrain>(0).GetCredentialAsync("bob");
        using var redis = await ConnectionMultiplexer.ConnectAsync(TestCluster.RedisConnectionString + ",allowAdmin=true");
        var everything = new List<byte[]>();
        foreach (var key in redis.GetServers()[0].Keys())
        {
            var type = await redis.GetDatabase().KeyTypeAsync(key);
            everything.AddRange(type == RedisType.Hash
                ? (await redis.GetDatabase().HashGetAllAsync(key)).Select(e => (byte[])e.Value!)
                : type == RedisType.String ? [(byte[])(await redis.GetDatabase().StringGetAsync(key))!] : []);
        }

        Assert.Equal((16, 32, 100_000), (stored!.Salt.Length, stored.Hash.Length, stored.Iterations));
        Assert.NotEmpty(everything);
        Assert.DoesNotContain(everything, value => value.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Password)) >= 0 || value.AsSpan().IndexOf(Encoding.Unicode.GetBytes(Password)) >= 0);
    }

    private static void As(string token)
    {
        RequestContext.Clear();
        RequestContext.Set(CallerIdentity.TokenKey, token);
    }

    public sealed class Fixture : IAsyncLifetime
    {
        public Testing.InProcessMilvusCluster Cluster { get; private set; } = null!;

        public async ValueTask InitializeAsync() => Cluster = await Testing.InProcessMilvusCluster.StartAsync(2, new Dictionary<string, string?>
        {
            ["Milvus:Security:AuthorizationEnabled"] = "true",
            ["Milvus:Security:RootPassword"] = RootPassword,
            ["Milvus:Token"] = Root,
        });

        public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
    }
}
