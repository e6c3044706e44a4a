using System.Globalization;

namespace Milvus.Orleans.Schema;

/// <summary>How a vector field's sealed segments are searched.</summary>
public enum IndexKind
{
    /// <summary>An HNSW graph per sealed segment: approximate, fast.</summary>
    Hnsw = 1,

    /// <summary>No graph: every row is compared with the query (exact, slow on large segments).</summary>
    Flat = 2,
}

/// <summary>
/// The index of a vector field, as Milvus' <c>create_index</c> sets it (the field's <see cref="FieldSchema.Metric"/>
/// is the index's metric). A field without one is searched through HNSW with the silos' <c>Milvus:Query:Hnsw*</c>
/// settings.
/// </summary>
/// <param name="Name">The index name, unique in the collection (Milvus names it after the field when none is given).</param>
/// <param name="Kind">HNSW or FLAT.</param>
/// <param name="M">HNSW: links per node, <see cref="MinM"/>..<see cref="MaxM"/>; 0 takes the silos' <c>HnswM</c>.</param>
/// <param name="EfConstruction">HNSW: breadth while building, 1..<see cref="MaxEfConstruction"/>; 0 takes the silos' <c>HnswEfConstruction</c>.</param>
[GenerateSerializer, Immutable]
public sealed record VectorIndex(
    [property: Id(0)] string Name,
    [property: Id(1)] IndexKind Kind = IndexKind.Hnsw,
    [property: Id(2)] int M = 0,
    [property: Id(3)] int EfConstruction = 0)
{
    /// <summary>Fewest HNSW links per node.</summary>
    public const int MinM = 2;

    /// <summary>Most HNSW links per node, as Milvus allows.</summary>
    public const int MaxM = 2_048;

    /// <summary>Largest HNSW build breadth.</summary>
    public const int MaxEfConstruction = 32_768;

    /// <summary>Throws <see cref="ErrorCode.InvalidName"/> or <see cref="ErrorCode.InvalidArgument"/> naming the first broken rule.</summary>
    public void Validate(string field)
    {
        Names.Validate("index", Name);
        var problem = Kind switch
        {
            IndexKind.Hnsw when M != 0 && M is < MinM or > MaxM => $"M = {M}: allowed {MinM}..{MaxM}",
            IndexKind.Hnsw when EfConstruction is < 0 or > MaxEfConstruction => $"efConstruction = {EfConstruction}: allowed 1..{MaxEfConstruction}",
            IndexKind.Flat when M != 0 || EfConstruction != 0 => "FLAT takes no M or efConstruction (it builds no graph)",
            IndexKind.Hnsw or IndexKind.Flat => null,
            _ => string.Create(CultureInfo.InvariantCulture, $"unknown index type {(int)Kind}: allowed HNSW, FLAT"),
        };
        if (problem is not null)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"Index '{Name}' of field '{field}': {problem}.");
        }
    }

    /// <summary>The index as text, for messages: <c>'vector' (HNSW, M 16, efConstruction 200)</c>.</summary>
    public override string ToString() => Kind == IndexKind.Flat
        ? $"'{Name}' (FLAT)"
        : string.Create(CultureInfo.InvariantCulture, $"'{Name}' (HNSW, M {(M == 0 ? "default" : M)}, efConstruction {(EfConstruction == 0 ? "default" : EfConstruction)})");
}
