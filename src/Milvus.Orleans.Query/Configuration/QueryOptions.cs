using Microsoft.Extensions.Options;
using Milvus.Orleans.Configuration;

namespace Milvus.Orleans.Query.Configuration;

/// <summary>The read side (section <c>Milvus:Query</c>).</summary>
public sealed class QueryOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Milvus:Query";

    /// <summary>Query node grains, spread over the silos, that hold sealed segments.</summary>
    public int Nodes { get; set; } = 4;

    /// <summary>A sealed segment with at least this many rows gets an HNSW index; smaller ones are searched exactly.</summary>
    public int IndexMinRows { get; set; } = 4096;

    /// <summary>HNSW links per node (M).</summary>
    public int HnswM { get; set; } = 16;

    /// <summary>HNSW breadth while building (efConstruction).</summary>
    public int HnswEfConstruction { get; set; } = 128;

    /// <summary>HNSW breadth of a search (ef) when the request gives none; at least top-k is used.</summary>
    public int HnswEf { get; set; } = 64;
}

internal sealed class QueryOptionsValidator : IValidateOptions<QueryOptions>
{
    private static readonly OptionRange Nodes = new($"{QueryOptions.SectionName}:Nodes", 1, 256);
    private static readonly OptionRange IndexMinRows = new($"{QueryOptions.SectionName}:IndexMinRows", 1, 100_000_000, "rows");
    private static readonly OptionRange HnswM = new($"{QueryOptions.SectionName}:HnswM", 4, 64);
    private static readonly OptionRange HnswEfConstruction = new($"{QueryOptions.SectionName}:HnswEfConstruction", 8, 4096);
    private static readonly OptionRange HnswEf = new($"{QueryOptions.SectionName}:HnswEf", 1, 32_768);

    public ValidateOptionsResult Validate(string? name, QueryOptions options) => OptionRange.Validate(
        (Nodes, options.Nodes),
        (IndexMinRows, options.IndexMinRows),
        (HnswM, options.HnswM),
        (HnswEfConstruction, options.HnswEfConstruction),
        (HnswEf, options.HnswEf));
}
