namespace Milvus.Orleans.VectorData.Tests;

/// <summary>Exact scores, computed in double, to compare a search's answer with.</summary>
internal static class Oracle
{
    public static double Cosine(float[] a, float[] b) => Dot(a, b) / Math.Sqrt(Dot(a, a) * Dot(b, b));

    public static double Dot(float[] a, float[] b) => a.Zip(b).Sum(p => (double)p.First * p.Second);

    public static double L2(float[] a, float[] b) => a.Zip(b).Sum(p => ((double)p.First - p.Second) * ((double)p.First - p.Second));

    /// <summary>Scores equal to float precision.</summary>
    public sealed class Close : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= 1e-5 * Math.Max(1, Math.Abs(x));

        public int GetHashCode(double obj) => 0;
    }
}
