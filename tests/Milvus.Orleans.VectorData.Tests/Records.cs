using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace Milvus.Orleans.VectorData.Tests;

/// <summary>A record with every supported data type, a storage name, and two vectors under different distances.</summary>
public sealed class Hotel
{
    [VectorStoreKey]
    public long Id { get; set; }

    [VectorStoreData]
    public string Name { get; set; } = "";

    [VectorStoreData]
    public int Rooms { get; set; }

    [VectorStoreData]
    public long Guests { get; set; }

    [VectorStoreData]
    public float Price { get; set; }

    [VectorStoreData]
    public double Rating { get; set; }

    [VectorStoreData]
    public bool Open { get; set; }

    [VectorStoreData(StorageName = "city_name")]
    public string City { get; set; } = "";

    [VectorStoreVector(4, DistanceFunction = DistanceFunction.CosineSimilarity)]
    public ReadOnlyMemory<float> Description { get; set; }

    [VectorStoreVector(2, DistanceFunction = DistanceFunction.EuclideanSquaredDistance, StorageName = "location")]
    public float[] Location { get; set; } = [];
}

/// <summary>A record keyed by text, with a vector under dot product.</summary>
public sealed class Note
{
    [VectorStoreKey]
    public string Id { get; set; } = "";

    [VectorStoreData]
    public string Text { get; set; } = "";

    [VectorStoreVector(3, DistanceFunction = DistanceFunction.DotProductSimilarity, IndexKind = IndexKind.Flat)]
    public Embedding<float> Vector { get; set; } = new(new float[3]);
}

/// <summary>A record keyed by a Guid the connector assigns when it is empty.</summary>
public sealed class Tagged
{
    [VectorStoreKey]
    public Guid Id { get; set; }

    [VectorStoreData]
    public string Label { get; set; } = "";

    [VectorStoreVector(2)]
    public ReadOnlyMemory<float> Vector { get; set; }
}

/// <summary>A record whose vector is embedded from its text by the store's generator.</summary>
public sealed class Passage
{
    [VectorStoreKey]
    public long Id { get; set; }

    [VectorStoreData]
    public string Text { get; set; } = "";

    [VectorStoreVector(LetterEmbeddings.Dimensions)]
    public string Embedding => Text;
}

/// <summary>A record asking for a distance function the service lacks.</summary>
public sealed class ManhattanRecord
{
    [VectorStoreKey]
    public long Id { get; set; }

    [VectorStoreVector(2, DistanceFunction = DistanceFunction.ManhattanDistance)]
    public ReadOnlyMemory<float> Vector { get; set; }
}

/// <summary>A record with a data type the service cannot store.</summary>
public sealed class DatedRecord
{
    [VectorStoreKey]
    public long Id { get; set; }

    [VectorStoreData]
    public DateTime When { get; set; }

    [VectorStoreVector(2)]
    public ReadOnlyMemory<float> Vector { get; set; }
}
