namespace Milvus.Orleans.Cli.Demo;

/// <summary>
/// Vectors in clusters, the same for a seed on every machine: <c>clusters</c> centres drawn uniformly in [-1, 1]ⁿ,
/// and each vector a centre plus Gaussian noise. Queries drawn from the same distribution land near rows without
/// being rows, as real embeddings do.
/// </summary>
public sealed class ClusteredVectors
{
    private readonly float[][] _centres;
    private readonly float _spread;
    private readonly Random _random;

    public ClusteredVectors(int dimension, int clusters = 100, float spread = 0.15f, int seed = 20261201)
    {
        Dimension = dimension;
        _spread = spread;
        _random = new Random(seed);
        _centres = [.. Enumerable.Range(0, clusters).Select(_ => Enumerable.Range(0, dimension).Select(_ => (_random.NextSingle() * 2) - 1).ToArray())];
    }

    public int Dimension { get; }

    /// <summary>The next <paramref name="count"/> vectors, one after another (count × dimension).</summary>
    public float[] Next(int count)
    {
        var vectors = new float[count * Dimension];
        for (var row = 0; row < count; row++)
        {
            var centre = _centres[_random.Next(_centres.Length)];
            for (var i = 0; i < Dimension; i++)
            {
                vectors[(row * Dimension) + i] = centre[i] + (_spread * Gaussian());
            }
        }

        return vectors;
    }

    /// <summary>A standard normal sample (Box-Muller).</summary>
    private float Gaussian() =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble()));
}
