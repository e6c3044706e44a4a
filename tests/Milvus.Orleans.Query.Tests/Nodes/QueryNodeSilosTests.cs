using System.Net;
using Milvus.Orleans.Query.Nodes;

namespace Milvus.Orleans.Query.Tests.Nodes;

public sealed class QueryNodeSilosTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(16)]
    public void Of_WhenSilosJoinOneByOne_KeepsLoadsWithinOneAndMovesOnlyTheNewSilosShareToIt(int nodes)
    {
        var silos = Enumerable.Range(0, 6).Select(i => Silo(port: 11_000 - i, generation: 100 + i)).ToArray();
        var before = Assignment(nodes, silos[..1]);

        for (var count = 2; count <= silos.Length; count++)
        {
            var joined = silos[count - 1];
            var after = Assignment(nodes, silos[..count]);
            var loads = silos[..count].Select(s => after.Count(a => a == s)).ToArray();
            var moved = Enumerable.Range(0, nodes).Where(n => after[n] != before[n]).ToArray();

            Assert.True(loads.Max() - loads.Min() <= 1, $"{nodes} nodes on {count} silos: loads {string.Join(", ", loads)}");
            Assert.Equal(nodes / count, moved.Length);
            Assert.All(moved, n => Assert.Equal(joined, after[n]));
            before = after;
        }
    }

    [Fact]
    public void Of_ForSilosListedInAnyOrder_GivesEveryNodeTheSameSilo()
    {
        var silos = Enumerable.Range(0, 5).Select(i => Silo(port: 12_000 + (i * 7 % 5), generation: 200 + (i % 2))).ToArray();

        var reference = Assignment(8, silos);

        foreach (var seed in Enumerable.Range(0, 10))
        {
            var random = new Random(seed);
            Assert.Equal(reference, Assignment(8, [.. silos.OrderBy(_ => random.Next())]));
        }
    }

    [Fact]
    public void Of_ForTheNodesOfLaterReplicas_GivesEachTheSiloAfterThePreviousReplicasNode()
    {
        SiloAddress[] silos = [Silo(13_000, 1), Silo(13_001, 2), Silo(13_002, 3)];
        var first = Assignment(4, silos);

        for (var node = 0; node < 4; node++)
        {
            var index = Array.IndexOf(silos, first[node]);
            Assert.Equal(silos[(index + 1) % 3], QueryNodeSilos.Of(QueryNodeSilos.NodeKey(1, node, 4), 4, silos));
            Assert.Equal(silos[(index + 2) % 3], QueryNodeSilos.Of(QueryNodeSilos.NodeKey(2, node, 4), 4, silos));
            Assert.Equal(first[node], QueryNodeSilos.Of(QueryNodeSilos.NodeKey(3, node, 4), 4, silos));
        }
    }

    [Fact]
    public void MoveTarget_WhenTheOldestSiloDies_MovesNoNodeOfTheSilosLeft()
    {
        SiloAddress[] known = [Silo(14_000, 1), Silo(14_001, 2), Silo(14_002, 3)];
        SiloAddress[] left = known[1..];
        var before = Assignment(3, known);
        var survivors = Enumerable.Range(0, 3).Where(n => before[n] != known[0]).ToArray();

        var targets = survivors.Select(n => QueryNodeSilos.MoveTarget(n, 3, known, left)).ToArray();

        Assert.All(targets, Assert.Null);
        // Placing from the silos left alone would move one of them.
        Assert.Contains(survivors, n => QueryNodeSilos.Of(n, 3, left) != before[n]);
    }

    [Fact]
    public void MoveTarget_WhenASiloJoins_MovesItsShareToIt()
    {
        SiloAddress[] known = [Silo(15_000, 1), Silo(15_001, 2)];
        var joined = Silo(15_002, 3);

        var targets = Enumerable.Range(0, 4).Select(n => QueryNodeSilos.MoveTarget(n, 4, known, [.. known, joined])).ToArray();

        Assert.Equal([joined], targets.Where(t => t is not null));
    }

    private static SiloAddress[] Assignment(int nodes, SiloAddress[] silos) =>
        [.. Enumerable.Range(0, nodes).Select(n => QueryNodeSilos.Of(n, nodes, silos))];

    private static SiloAddress Silo(int port, int generation) => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, port), generation);
}
