using System.Net;
using Milvus.Orleans.Channels;
using Milvus.Orleans.Grains;
using Milvus.Orleans.Streaming.Coordinator;

namespace Milvus.Orleans.Streaming.Tests.Coordinator;

public sealed class ChannelBalancerTests
{
    private static readonly SiloAddress A = Silo(1);
    private static readonly SiloAddress B = Silo(2);
    private static readonly SiloAddress C = Silo(3);

    [Fact]
    public void Balance_WhenChannelsAreUnbound_SpreadsThemEvenlyWithTermOne()
    {
        var result = ChannelBalancer.Balance(Unbound(16), [A, B, C]);

        Assert.All(result, b => Assert.Equal(1, b.Term));
        Assert.Equal([6, 5, 5], Loads(result, A, B, C));
    }

    [Fact]
    public void Balance_WhenASiloDies_MovesOnlyItsChannelsAndRaisesOnlyTheirTerms()
    {
        var before = ChannelBalancer.Balance(Unbound(16), [A, B, C]);

        var after = ChannelBalancer.Balance(before, [A, C]);

        Assert.Equal([8, 0, 8], Loads(after, A, B, C));
        for (var i = 0; i < 16; i++)
        {
            var moved = before[i].Silo == B;
            Assert.Equal(moved ? before[i].Term + 1 : before[i].Term, after[i].Term);
            Assert.Equal(moved ? after[i].Silo : before[i].Silo, after[i].Silo);
        }
    }

    [Fact]
    public void Balance_WhenASiloJoins_MovesTheFewestChannelsToEvenTheLoad()
    {
        var before = ChannelBalancer.Balance(Unbound(16), [A, B]);

        var after = ChannelBalancer.Balance(before, [A, B, C]);

        // 8/8 → 6/5/5 needs exactly 5 moves, all to the new silo.
        var moved = Enumerable.Range(0, 16).Where(i => after[i] != before[i]).ToArray();
        Assert.Equal(5, moved.Length);
        Assert.All(moved, i => Assert.Equal(C, after[i].Silo));
        Assert.All(moved, i => Assert.Equal(before[i].Term + 1, after[i].Term));
        Assert.Equal(5, Loads(after, C)[0]);
        Assert.InRange(Loads(after, A)[0], 5, 6);
    }

    [Fact]
    public void Balance_WhenAlreadyBalanced_ChangesNothing()
    {
        var before = ChannelBalancer.Balance(Unbound(16), [A, B, C]);

        Assert.Equal(before, ChannelBalancer.Balance(before, [C, B, A]));
    }

    [Fact]
    public void Balance_WhenNoSiloIsActive_KeepsEveryBinding()
    {
        var before = ChannelBalancer.Balance(Unbound(4), [A]);

        Assert.Equal(before, ChannelBalancer.Balance(before, []));
    }

    private static ChannelBinding[] Unbound(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new ChannelBinding(ChannelNames.PChannel(i), null, 0))];

    private static int[] Loads(IReadOnlyList<ChannelBinding> bindings, params SiloAddress[] silos) =>
        [.. silos.Select(s => bindings.Count(b => b.Silo == s))];

    private static SiloAddress Silo(int n) => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11110 + n), n);
}
