using Milvus.Orleans.Hnsw;

namespace Milvus.Orleans.Query.Tests.Hnsw;

public sealed class HnswGraphTests
{
    private const int Dimension = 16;
    private const int Rows = 2_000;
    private const int Breadth = 64;

    private static readonly float[] Vectors = RandomVectors(Rows, seed: 5);

    [Fact]
    public void Build_OnFourThreads_HoldsEveryRowAndFindsAlmostEveryRowAsItsOwnNearest()
    {
        using var graph = HnswGraph.Build(Vectors, Dimension, HnswMetric.L2Squared, connectivity: 16, expansionAdd: 128, threads: 4, readers: 4, TestContext.Current.CancellationToken);

        Assert.Equal(Rows, graph.Count);
        var selfFound = Enumerable.Range(0, Rows).Count(row => Nearest(graph, Row(row))[0] == (ulong)row);
        Assert.InRange(selfFound, Rows * 99 / 100, Rows);
    }

    /// <summary>
    /// Concurrent adds in USearch can strand a row (stored, but linked to by no other): a search as broad as the
    /// graph then misses it. Without a repair, most of these builds strand rows; each must leave every row reachable
    /// from every query.
    /// </summary>
    [Fact]
    public void Build_OnTwoThreads_LeavesEveryRowReachableByASearchAsBroadAsTheGraph()
    {
        const int rows = 500;
        const int dimension = 8;
        var random = new Random(41);
        var vectors = Enumerable.Range(0, rows * dimension).Select(_ => random.NextSingle()).ToArray();
        var reached = new List<int>();
        for (var build = 0; build < 40; build++)
        {
            using var graph = HnswGraph.Build(vectors, dimension, HnswMetric.L2Squared, connectivity: 16, expansionAdd: 128, threads: 2, readers: 2, TestContext.Current.CancellationToken);
            using var reader = graph.Read();
            for (var q = 0; q < 4; q++)
            {
                float[] query = [.. Enumerable.Range(0, dimension).Select(_ => random.NextSingle())];
                reached.Add(reader.Nearest(query, new ulong[2 * rows]));
            }
        }

        Assert.All(reached, count => Assert.Equal(rows, count));
    }

    [Fact]
    public void Nearest_FromMoreThreadsThanTheGraphHasReaders_AnswersEachAsASingleReaderWould()
    {
        using var graph = HnswGraph.Build(Vectors, Dimension, HnswMetric.L2Squared, connectivity: 16, expansionAdd: 128, threads: 2, readers: 2, TestContext.Current.CancellationToken);
        var queries = Enumerable.Range(0, 200).Select(q => Row(q * 7)).ToArray();
        var expected = queries.Select(q => Nearest(graph, q)).ToArray();

        var answers = new ulong[queries.Length][];
        Parallel.For(0, queries.Length * 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => answers[i % queries.Length] = Nearest(graph, queries[i % queries.Length]));

        Assert.Equal(expected, answers);
    }

    [Fact]
    public void Dispose_WhileAReaderIsOpen_LeavesTheGraphToTheReaderUntilItIsDone()
    {
        var graph = HnswGraph.Build(Vectors, Dimension, HnswMetric.L2Squared, connectivity: 16, expansionAdd: 128, threads: 2, readers: 2, TestContext.Current.CancellationToken);
        var query = Row(11);
        var before = Nearest(graph, query);
        var reader = graph.Read();

        graph.Dispose();
        var rows = new ulong[Breadth];
        var found = reader.Nearest(query, rows);
        reader.Dispose();

        Assert.Equal(before, rows[..found]);
        Assert.Throws<ObjectDisposedException>(() => graph.Read());
        Assert.Throws<ObjectDisposedException>(() => reader.Nearest(query, rows));
    }

    [Fact]
    public void Load_OfASavedGraph_AnswersAsTheGraphDid()
    {
        var path = Path.Combine(Path.GetTempPath(), $"hnsw-test-{Guid.NewGuid():N}.usearch");
        try
        {
            using var graph = HnswGraph.Build(Vectors, Dimension, HnswMetric.Cosine, connectivity: 8, expansionAdd: 64, threads: 2, readers: 2, TestContext.Current.CancellationToken);
            graph.Save(path);
            using var loaded = HnswGraph.Load(path, readers: 2);

            Assert.Equal(Rows, loaded.Count);
            Assert.All(Enumerable.Range(0, 50), q => Assert.Equal(Nearest(graph, Row(q)), Nearest(loaded, Row(q))));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Build_WithValuesThatAreNotWholeVectors_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => HnswGraph.Build(new float[Dimension + 1], Dimension, HnswMetric.L2Squared, 16, 128, 2, 2, TestContext.Current.CancellationToken));

        Assert.StartsWith("17 values are not whole vectors of 16.", error.Message, StringComparison.Ordinal);
    }

    private static ulong[] Nearest(HnswGraph graph, float[] query)
    {
        using var reader = graph.Read();
        var rows = new ulong[Breadth];
        return rows[..reader.Nearest(query, rows)];
    }

    private static float[] Row(int row) => Vectors.AsSpan(row * Dimension, Dimension).ToArray();

    private static float[] RandomVectors(int rows, int seed)
    {
        var random = new Random(seed);
        var vectors = new float[rows * Dimension];
        for (var i = 0; i < vectors.Length; i++)
        {
            vectors[i] = random.NextSingle();
        }

        return vectors;
    }
}
