using Microsoft.Extensions.VectorData;

namespace VectorSearch.Web;

/// <summary>A document of the sample: its vector is embedded from its title and text when it is stored.</summary>
public sealed class Document
{
    [VectorStoreKey]
    public long Id { get; set; }

    [VectorStoreData]
    public string Title { get; set; } = "";

    [VectorStoreData]
    public string Text { get; set; } = "";

    [VectorStoreData]
    public string Topic { get; set; } = "";

    [VectorStoreVector(HashingEmbeddingGenerator.Dimensions, DistanceFunction = DistanceFunction.CosineSimilarity)]
    public string Embedding => $"{Title}. {Text}";
}
