using System.Reflection;
using Milvus.Orleans.Data;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Messages;
using Milvus.Orleans.Query;
using Milvus.Orleans.Streaming.Tests.Collections;

namespace Milvus.Orleans.Streaming.Tests.Security;

/// <summary>
/// A client process calling what only silos may call is refused before the call runs, and nothing changes: the
/// client SDK's surface is exactly the methods marked <see cref="ClientFacingAttribute"/>. A failure the service did
/// not foresee reaches the client as <see cref="ErrorCode.Internal"/>, and the silo goes on.
/// </summary>
public sealed class ServiceBoundaryTests(ServiceBoundaryTests.Fixture fixture) : IClassFixture<ServiceBoundaryTests.Fixture>
{
    private static readonly Dictionary<string, Func<IGrainFactory, string, Task>> Calls = new()
    {
        ["IWalGrain.AppendAsync"] = (g, p) => g.GetGrain<IWalGrain>(p).AppendAsync([new WalMessage(MessageKind.Flush, p + "_1v0", 1)]),
        ["IWalGrain.ReleaseAsync"] = (g, p) => g.GetGrain<IWalGrain>(p).ReleaseAsync(long.MaxValue),
        ["IRecoveryGrain.StartAsync"] = (g, p) => g.GetGrain<IRecoveryGrain>(p).StartAsync(long.MaxValue, 0),
        ["IRecoveryGrain.ReleaseAsync"] = (g, p) => g.GetGrain<IRecoveryGrain>(p).ReleaseAsync(long.MaxValue),
        ["IRecoveryGrain.GetProgressAsync"] = (g, p) => g.GetGrain<IRecoveryGrain>(p).GetProgressAsync(p + "_1v0"),
        ["IQueryNodeGrain.ReleaseAsync"] = (g, p) => g.GetGrain<IQueryNodeGrain>(0).ReleaseAsync(p + "_1v0", null),
        ["IQueryNodeGrain.SearchAsync"] = (g, p) => g.GetGrain<IQueryNodeGrain>(0).SearchAsync(
            new NodeSearch(p + "_1v0", [], new SearchRequest(1, "vec", new float[TestRows.Dimension], 1, null, [], default), 0, new ShardDeletes("x", 0, PrimaryKeys.Of(1L), [1]))),
        ["IStreamingCoordinatorGrain.ReportFencedAsync"] = (g, p) => g.GetGrain<IStreamingCoordinatorGrain>(0).ReportFencedAsync(p, long.MaxValue),
        ["IStreamingCoordinatorGrain.WatchTopologyAsync"] = (g, _) => g.GetGrain<IStreamingCoordinatorGrain>(0).WatchTopologyAsync(0, TimeSpan.Zero),
        ["ICatalogGrain.GetCollectionAsync"] = (g, _) => g.GetGrain<ICatalogGrain>(0).GetCollectionAsync(1),
        ["IVChannelGrain.ApplyDdlAsync"] = (g, p) => g.GetGrain<IVChannelGrain>(p + "_1v0").ApplyDdlAsync(new WalMessage(MessageKind.DropCollection, p + "_1v0", 1)),
        ["ITsoGrain.AllocateAsync"] = (g, _) => g.GetGrain<ITsoGrain>(0).AllocateAsync(ITsoGrain.MaxBatch),
        ["IUserDirectoryGrain.GetCredentialAsync"] = (g, _) => g.GetGrain<IUserDirectoryGrain>(0).GetCredentialAsync("root"),
        ["IManagementGrain.ForceGarbageCollection"] = (g, _) => g.GetGrain<IManagementGrain>(0).ForceGarbageCollection([]),
    };

    public static TheoryData<string> ServerOnlyCalls => [.. Calls.Keys];

    [Theory]
    [MemberData(nameof(ServerOnlyCalls))]
    public async Task Call_WhenAClientMakesAServerOnlyCall_IsRefusedAndTheLogIsUnchanged(string call)
    {
        var ct = TestContext.Current.CancellationToken;
        var before = await fixture.Cluster.ReadLogAsync(fixture.PChannel);

        var error = await Assert.ThrowsAsync<MilvusException>(() => Calls[call](fixture.Cluster.Cluster.Client, fixture.PChannel));

        Assert.Equal(ErrorCode.PermissionDenied, error.Code);
        Assert.Equal($"{call} is not for clients: only the service's silos call it.", error.Message);
        var after = await fixture.Cluster.ReadLogAsync(fixture.PChannel);
        Assert.Equal(before.Where(m => m.Message.Kind != MessageKind.TimeTick).Select(m => m.Id), after.Where(m => m.Message.Kind != MessageKind.TimeTick).Select(m => m.Id));
        Assert.Equal(20L, await fixture.Cluster.Client.CountAsync("kept", consistency: Query.ConsistencyLevel.Strong, cancellationToken: ct));
    }

    [Fact]
    public async Task ReleaseAsync_WhenTheServiceCallsIt_IsNotRefused()
    {
        var state = await fixture.Cluster.Cluster.Client.GetGrain<IWalGrain>(fixture.PChannel).GetStateAsync();

        // The owner's own term: it keeps the log, but the call itself passed the boundary.
        await fixture.Cluster.SiloGrains.GetGrain<IWalGrain>(fixture.PChannel).ReleaseAsync(state.Term);
    }

    [Theory]
    [InlineData("invalid-operation", "IFaultyGrain.FailAsync failed: InvalidOperationException: invalid-operation")]
    [InlineData("null", "IFaultyGrain.FailAsync failed: NullReferenceException: Object reference not set to an instance of an object.")]
    public async Task Call_WhenTheGrainFailsUnforeseen_ReachesTheClientAsInternalAndTheSiloGoesOn(string failure, string message)
    {
        var ct = TestContext.Current.CancellationToken;
        var faulty = fixture.Cluster.Cluster.Client.GetGrain<IFaultyGrain>(0);

        var error = await Assert.ThrowsAsync<MilvusException>(() => faulty.FailAsync(failure));

        Assert.Equal((ErrorCode.Internal, message), (error.Code, error.Message));
        Assert.Equal(2, fixture.Cluster.Cluster.GetActiveSilos().Count());
        Assert.Equal(20L, await fixture.Cluster.Client.CountAsync("kept", consistency: Query.ConsistencyLevel.Strong, cancellationToken: ct));
    }

    [Fact]
    public async Task Call_WhenTheGrainFailsWithACode_ReachesTheClientUnchanged()
    {
        var error = await Assert.ThrowsAsync<MilvusException>(() => fixture.Cluster.Cluster.Client.GetGrain<IFaultyGrain>(0).FailAsync("coded"));

        Assert.Equal((ErrorCode.InvalidArgument, "coded"), (error.Code, error.Message));
    }

    [Fact]
    public void ClientFacingMethods_WhenListed_AreExactlyTheSdksSurface()
    {
        var methods = typeof(IWalGrain).Assembly.GetTypes()
            .Where(t => t.IsInterface && t.Namespace == typeof(IWalGrain).Namespace && typeof(IAddressable).IsAssignableFrom(t))
            .SelectMany(t => t.GetMethods().Select(m => (Type: t, Method: m)))
            .Where(p => p.Type.IsDefined(typeof(ClientFacingAttribute)) || p.Method.IsDefined(typeof(ClientFacingAttribute)))
            .Select(p => $"{p.Type.Name}.{p.Method.Name}")
            .Order(StringComparer.Ordinal);

        Assert.Equal(
            [
                "ICatalogGrain.AlterAliasAsync", "ICatalogGrain.CreateAliasAsync", "ICatalogGrain.CreateCollectionAsync", "ICatalogGrain.CreateIndexAsync",
                "ICatalogGrain.CreatePartitionAsync", "ICatalogGrain.DescribeCollectionAsync", "ICatalogGrain.DropAliasAsync",
                "ICatalogGrain.DropCollectionAsync", "ICatalogGrain.DropIndexAsync", "ICatalogGrain.DropPartitionAsync", "ICatalogGrain.ListAliasesAsync",
                "ICatalogGrain.ListCollectionsAsync", "ICatalogGrain.RenameCollectionAsync", "ICatalogGrain.SetLoadedAsync", "ICatalogGrain.SetReplicasAsync",
                "ICompactionGrain.CompactAsync", "ICompactionGrain.GetStateAsync",
                "IQueryDelegatorGrain.GetIndexProgressAsync", "IQueryDelegatorGrain.GetStatusAsync", "IQueryDelegatorGrain.LoadAsync", "IQueryDelegatorGrain.QueryAsync",
                "IQueryDelegatorGrain.ReleaseAsync", "IQueryDelegatorGrain.SearchAsync",
                "IStreamingCoordinatorGrain.GetTopologyAsync", "ITsoGrain.NextAsync",
                "IUserDirectoryGrain.CreateUserAsync", "IUserDirectoryGrain.DeleteUserAsync", "IUserDirectoryGrain.ListUsersAsync",
                "IUserDirectoryGrain.UpdatePasswordAsync",
                "IVChannelGrain.BeginTransactionAsync", "IVChannelGrain.CommitTransactionAsync", "IVChannelGrain.DeleteAsync",
                "IVChannelGrain.FlushAsync", "IVChannelGrain.GetProgressAsync", "IVChannelGrain.InsertAsync",
                "IVChannelGrain.KeepTransactionAliveAsync", "IVChannelGrain.RollbackTransactionAsync", "IVChannelGrain.UpsertAsync",
                "IVChannelReaderGrain.ReadAsync", "IWalGrain.GetStateAsync",
            ],
            methods);
    }

    public sealed class Fixture : IAsyncLifetime
    {
        public Testing.InProcessMilvusCluster Cluster { get; private set; } = null!;

        public string PChannel { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            Cluster = await Testing.InProcessMilvusCluster.StartAsync(2);
            var info = await Cluster.Client.CreateCollectionAsync(TestRows.Schema("kept", shards: 1));
            await Cluster.Client.InsertAsync("kept", TestRows.Rows(0, 20));
            PChannel = Channels.ChannelNames.PChannelOf(info.VChannels[0]);
        }

        public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
    }
}

/// <summary>A grain outside the service's own interfaces (so clients may call it) that fails as asked.</summary>
public interface IFaultyGrain : IGrainWithIntegerKey
{
    Task FailAsync(string failure);
}

internal sealed class FaultyGrain : Grain, IFaultyGrain
{
    public Task FailAsync(string failure) => failure switch
    {
        "coded" => throw new MilvusException(ErrorCode.InvalidArgument, "coded"),
        "null" => Task.FromResult(((string?)null)!.Length),
        _ => throw new InvalidOperationException(failure),
    };
}
