using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Milvus.Orleans.Channels;
using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.EndToEnd.Tests;

/// <summary>
/// The service boundary on the real AppHost, run with authorization (as always) and TLS: tokens are checked, server-only
/// grains refuse clients, every link presents the cluster certificate, the Orleans dashboard asks for credentials, and
/// bad input typed at the command line gets its exit code and one error line while every silo lives on.
/// </summary>
[Collection(nameof(ServiceBoundaryTests.SecuredAppHost))]
public sealed class ServiceBoundaryTests(ServiceBoundaryTests.SecuredAppHost host)
{
    private const int Dimension = 8;
    private const int Rows = 50;

    public static TheoryData<string> CliCases => [.. Cli.Keys];

    /// <summary>Command lines a person might type, and the exit code and error line each must give.</summary>
    private static Dictionary<string, (string[] Arguments, int ExitCode, string Error)> Cli { get; } = new()
    {
        // 30,000 parentheses overflowed the stack of the silo that parsed them, and the client's retry took a second silo down.
        ["hostile filter"] = (["search", "guarded", "--vector", Vector(), "--filter", new string('(', 30_000) + "id > 0" + new string(')', 30_000)], 2, "error: InvalidExpression: Invalid expression at position 64: the expression nests deeper than 64 levels."),
        ["filter too long"] = (["query", "guarded", "--filter", "id in [" + string.Concat(Enumerable.Repeat("1,", 35_000)) + "1]"], 2, "error: InvalidExpression: The expression is 70009 characters long; at most 65536 are accepted."),
        ["unfinished filter"] = (["query", "guarded", "--filter", "id >"], 2, "error: InvalidExpression: Invalid expression at position 4: the expression ends where a field or a value was expected."),
        ["vector with text"] = (["search", "guarded", "--vector", "1,2,x"], 2, "error: InvalidVector: '1,2,x' is not a vector"),
        ["vector of the wrong length"] = (["search", "guarded", "--vector", "1,2,3"], 2, "error: DimensionMismatch: Collection 'guarded': search with at least one vector of 8 values"),
        ["top-k too large"] = (["search", "guarded", "--vector", Vector(), "--top-k", "100000"], 2, "error: InvalidArgument: topK is 100000: allowed 1..16384."),
        ["limit too large"] = (["query", "guarded", "--limit", "20000"], 2, "error: InvalidArgument: offset 0 and limit 20000"),
        ["batch of zero rows"] = (["insert", "guarded", "rows.jsonl", "--batch", "0"], 2, "error: InvalidArgument: --batch is 0: allowed 1..100000."),
        ["missing file"] = (["insert", "guarded", "missing.jsonl"], 2, "error: InvalidArgument: Could not find file"),
        ["ragged jsonl"] = (["insert", "guarded", "ragged.jsonl"], 2, "error: DimensionMismatch: "),
        ["malformed jsonl"] = (["insert", "guarded", "cut.jsonl"], 2, "error: InvalidArgument: "),
        ["bad field spec"] = (["collections", "create", "other", "--field", "title:Text"], 2, "error: InvalidArgument: --field 'title:Text' is not a scalar field"),
        ["bad collection name"] = (["collections", "create", "../etc"], 2, "error: InvalidName: Invalid collection name '../etc'"),
        ["demo with no queries"] = (["demo", "--queries", "0"], 2, "error: InvalidArgument: --queries is 0: allowed 1..10000."),
        ["unknown collection"] = (["count", "nope"], 3, "error: CollectionNotFound: Collection 'nope' does not exist."),
        ["wrong password"] = (["count", "guarded", "--token", "root:wrong-password"], 3, "error: Unauthenticated: Not authenticated: user 'root' does not exist or the password is wrong."),
        ["demo over a collection it did not make"] = (["demo", "--collection", "guarded", "--rows", "10"], 3, "error: CollectionAlreadyExists: Collection 'guarded' exists and was not made by the demo"),
    };

    [Theory]
    [MemberData(nameof(CliCases))]
    public async Task Cli_WhenGivenBadInput_PrintsOneErrorLineExitsWithItsCodeAndEverySiloLives(string name)
    {
        var ct = TestContext.Current.CancellationToken;
        var (arguments, exitCode, error) = Cli[name];

        var result = await CliProcess.RunAsync(host.CliEnvironment, [.. arguments.Select(a => a.EndsWith(".jsonl", StringComparison.Ordinal) ? Path.Combine(host.Files, a) : a)], ct);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.StartsWith(error, result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(result.Output);
        Assert.All(host.Silos, silo => Assert.False(Process.GetProcessById(silo.ProcessId).HasExited, $"silo {silo.ResourceId} died"));
        Assert.Equal(Rows, await host.Run.Client.CountAsync("guarded", consistency: Query.ConsistencyLevel.Strong, cancellationToken: ct));
    }

    [Theory]
    [InlineData(null, "Not authenticated: the call carries no token.")]
    [InlineData("root:wrong-password", "Not authenticated: user 'root' does not exist or the password is wrong.")]
    [InlineData("nobody:" + AppHostRun.RootPassword, "Not authenticated: user 'nobody' does not exist or the password is wrong.")]
    public async Task Call_WithoutATokenOrWithAWrongOne_IsUnauthenticated(string? token, string message)
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = await AppHostRun.StartClientAsync(host.Run.RedisConnectionString, host.Run.ClusterId, token, host.Run.Certificate, ct);

        var error = await Assert.ThrowsAsync<MilvusException>(() => client.Services.GetRequiredService<MilvusClient>().ListCollectionsAsync(ct));

        Assert.Equal(ErrorCode.Unauthenticated, error.Code);
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerOnlyCall_FromAClient_IsRefusedAndTheLogIsUnchanged()
    {
        var ct = TestContext.Current.CancellationToken;
        var wal = host.Run.Orleans.GetGrain<IWalGrain>(host.PChannel);
        var term = (await wal.GetStateAsync()).Term;
        var before = LogFiles();

        var release = await Assert.ThrowsAsync<MilvusException>(() => wal.ReleaseAsync(term + 1));
        var append = await Assert.ThrowsAsync<MilvusException>(() => wal.AppendAsync([new WalMessage(MessageKind.Delete, host.VChannel, host.CollectionId, null, Keys: PrimaryKeys.Of(1L))]));

        Assert.Equal((ErrorCode.PermissionDenied, "IWalGrain.ReleaseAsync is not for clients: only the service's silos call it."), (release.Code, release.Message));
        Assert.Equal((ErrorCode.PermissionDenied, "IWalGrain.AppendAsync is not for clients: only the service's silos call it."), (append.Code, append.Message));
        Assert.Equal(before, LogFiles());
        Assert.Equal(Rows, await host.Run.Client.CountAsync("guarded", consistency: Query.ConsistencyLevel.Strong, cancellationToken: ct));
    }

    [Fact]
    public async Task Gateway_WithTls_PresentsTheClusterCertificateAndTakesNoClientWithoutIt()
    {
        var ct = TestContext.Current.CancellationToken;
        using var certificate = ClusterCertificate.Load(host.Run.Certificate!, null);
        X509Certificate2? presented = null;
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync("127.0.0.1", host.Silos[0].GatewayPort, ct);
            await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, remote, _, errors) =>
            {
                presented = remote is null ? null : new X509Certificate2(remote);
                return ClusterCertificate.IsPeer(certificate, presented, errors);
            });
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", ClientCertificates = [certificate] }, ct);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        var plain = await Record.ExceptionAsync(async () =>
        {
            using var client = await AppHostRun.StartClientAsync(host.Run.RedisConnectionString, host.Run.ClusterId, AppHostRun.RootToken, certificate: null, timeout.Token);
            await client.Services.GetRequiredService<MilvusClient>().ListCollectionsAsync(timeout.Token);
        });

        Assert.Equal(certificate.Thumbprint, presented?.Thumbprint);
        Assert.NotNull(plain);
    }

    [Fact]
    public async Task Dashboard_WithoutCredentials_AsksForThemAndWithRootsShowsTheCluster()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient();
        // Kestrel opens its port only after the silo joined.
        Assert.Equal("Healthy", await host.Silos[0].WaitForHealthAsync(TimeSpan.FromSeconds(30), ct));
        // The dashboard page itself: HttpClient drops credentials on the redirect from /dashboard, which browsers keep.
        var dashboard = new Uri(host.Silos[0].HttpAddress, "/dashboard/");

        using var anonymous = await http.GetAsync(dashboard, ct);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, dashboard) { Headers = { Authorization = Basic("root:nope") } };
        using var wrongAnswer = await http.SendAsync(wrong, ct);
        using var root = new HttpRequestMessage(HttpMethod.Get, dashboard) { Headers = { Authorization = Basic(AppHostRun.RootToken) } };
        using var rootAnswer = await http.SendAsync(root, ct);

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, wrongAnswer.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, rootAnswer.StatusCode);
    }

    private static AuthenticationHeaderValue Basic(string token) => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(token)));

    private static string Vector() => string.Join(',', Enumerable.Repeat("0.5", Dimension));

    /// <summary>The pchannel's segment files with their sizes.</summary>
    private string[] LogFiles() =>
        [.. new DirectoryInfo(Path.Combine(host.DataPath, "wal", host.PChannel)).GetFiles("*.seg").OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => $"{f.Name}:{f.Length}")];

    /// <summary>One AppHost run with TLS for the class, with collection <c>guarded</c> of <see cref="Rows"/> rows and the files the CLI cases read.</summary>
    /// <summary>One secured AppHost run shared by the boundary's test classes (this one and the REST API's).</summary>
    [CollectionDefinition(nameof(SecuredAppHost))]
    public sealed class SecuredAppHostDefinition : ICollectionFixture<SecuredAppHost>;

    public sealed class SecuredAppHost : IAsyncLifetime
    {
        private readonly TestScope _scope = new(TimeSpan.FromMinutes(10), TestContext.Current.CancellationToken);

        internal AppHostRun Run { get; private set; } = null!;

        internal IReadOnlyList<SiloReplica> Silos { get; private set; } = [];

        public string DataPath => _scope.DataPath;

        public string Files => Path.Combine(_scope.DataPath, "files");

        public string VChannel { get; private set; } = null!;

        public string PChannel => ChannelNames.PChannelOf(VChannel);

        public long CollectionId { get; private set; }

        /// <summary>What the AppHost hands its own command-line resource (the demo).</summary>
        public IReadOnlyDictionary<string, string?> CliEnvironment => new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = Run.RedisConnectionString,
            ["Orleans__ClusterId"] = Run.ClusterId,
            ["Orleans__ServiceId"] = AppHostRun.ServiceId,
            ["Milvus__Token"] = AppHostRun.RootToken,
            ["Milvus__Security__TlsCertificatePath"] = Run.Certificate,
        };

        public async ValueTask InitializeAsync()
        {
            var ct = _scope.Token;
            Run = await AppHostRun.StartAsync(_scope.DataPath, ct, tls: true);
            Silos = await Run.GetSiloReplicasAsync(ct);
            var info = await Run.Client.CreateCollectionAsync(new CollectionSchema("guarded", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], ShardCount: 1), ct);
            (VChannel, CollectionId) = (info.VChannels[0], info.Id);
            await Run.Client.InsertAsync("guarded", new RowBatch([FieldColumn.Int64("id", [.. Enumerable.Range(0, Rows).Select(i => (long)i)]), FieldColumn.FloatVector("vec", Dimension, new float[Rows * Dimension])]), cancellationToken: ct);
            Directory.CreateDirectory(Files);
            await File.WriteAllTextAsync(Path.Combine(Files, "rows.jsonl"), """{"id": 1000, "vec": [1, 2, 3, 4, 5, 6, 7, 8]}""", ct);
            await File.WriteAllTextAsync(Path.Combine(Files, "ragged.jsonl"), """{"id": 1000, "vec": [1, 2, 3]}""", ct);
            await File.WriteAllTextAsync(Path.Combine(Files, "cut.jsonl"), """{"id": 1000, "vec": [1, 2""", ct);
        }

        public async ValueTask DisposeAsync()
        {
            await Run.DisposeAsync();
            _scope.Dispose();
        }
    }
}
