using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace VectorSearch.Web;

/// <summary>
/// A deterministic local embedding, so the sample needs no model: each word and each pair of adjacent words is hashed
/// (FNV-1a) into one of <see cref="Dimensions"/> buckets with a sign, and the vector is scaled to length 1. Texts that
/// share words point the same way; the same text gives the same vector in every process.
/// </summary>
public sealed partial class HashingEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public const int Dimensions = 256;

    private static readonly EmbeddingGeneratorMetadata Metadata = new("hashing", defaultModelId: "fnv1a-words-256", defaultModelDimensions: Dimensions);

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(v => new Embedding<float>(Embed(v)))));
    }

    public static float[] Embed(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var vector = new float[Dimensions];
        var words = Words().Matches(text.ToLowerInvariant()).Select(m => m.Value).ToArray();
        for (var i = 0; i < words.Length; i++)
        {
            Add(vector, words[i]);
            if (i > 0)
            {
                Add(vector, $"{words[i - 1]} {words[i]}");
            }
        }

        var length = MathF.Sqrt(vector.Sum(v => v * v));
        if (length > 0)
        {
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] /= length;
            }
        }

        return vector;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? Metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }

    /// <summary>Runs of three or more letters or digits.</summary>
    [GeneratedRegex(@"[\p{L}\p{N}]{3,}")]
    private static partial Regex Words();

    private static void Add(float[] vector, string feature)
    {
        var hash = 2166136261u;
        foreach (var c in feature)
        {
            hash = (hash ^ c) * 16777619u;
        }

        vector[hash % Dimensions] += (hash & 0x8000_0000u) == 0 ? 1f : -1f;
    }
}
