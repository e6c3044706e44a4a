using Cloud.Unum.USearch;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Query.Search;

/// <summary>An HNSW graph over one sealed segment's vectors (USearch), keyed by row number.</summary>
internal sealed class HnswIndex : IDisposable
{
    private readonly USearchIndex _index;

    private HnswIndex(USearchIndex index) => _index = index;

    /// <summary>Rows in the graph.</summary>
    public long Count => (long)_index.Size();

    /// <summary>Builds the graph of <paramref name="vectors"/> (rows × <paramref name="dimension"/>).</summary>
    public static HnswIndex Build(float[] vectors, int dimension, MetricType metric, int m, int efConstruction)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        var index = new USearchIndex(Kind(metric), ScalarKind.Float32, (ulong)dimension, (ulong)m, (ulong)efConstruction, 0, false);
        try
        {
            for (var row = 0; row < vectors.Length / dimension; row++)
            {
                index.Add((ulong)row, vectors.AsSpan(row * dimension, dimension).ToArray());
            }

            return new HnswIndex(index);
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    /// <summary>Reads a graph <see cref="Save"/> wrote.</summary>
    public static HnswIndex Load(string path) => new(new USearchIndex(path, false));

    public void Save(string path) => _index.Save(path);

    /// <summary>Up to <paramref name="count"/> rows nearest <paramref name="query"/>, nearest first; <paramref name="count"/> is also the search's breadth.</summary>
    public ReadOnlySpan<ulong> Nearest(float[] query, int count)
    {
        var found = _index.Search(query, count, out var rows, out _);
        return rows.AsSpan(0, found);
    }

    public void Dispose() => _index.Dispose();

    private static MetricKind Kind(MetricType metric) => metric switch
    {
        MetricType.IP => MetricKind.Ip,
        MetricType.Cosine => MetricKind.Cos,
        _ => MetricKind.L2sq,
    };
}
