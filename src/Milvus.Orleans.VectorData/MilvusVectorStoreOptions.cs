using Microsoft.Extensions.AI;
using Milvus.Orleans.Query;

namespace Milvus.Orleans.VectorData;

/// <summary>Options of a <see cref="MilvusVectorStore"/>, handed to each collection it gives out.</summary>
public sealed class MilvusVectorStoreOptions
{
    /// <summary>The embedding generator of vector properties that take text (or other input) rather than vectors.</summary>
    public IEmbeddingGenerator? EmbeddingGenerator { get; set; }

    /// <summary>The shards a collection created through the store gets (1..16).</summary>
    public int ShardCount { get; set; } = 1;

    /// <summary>Which writes reads see; see <see cref="MilvusCollectionOptions.Consistency"/>.</summary>
    public ConsistencyLevel Consistency { get; set; } = ConsistencyLevel.Strong;
}
