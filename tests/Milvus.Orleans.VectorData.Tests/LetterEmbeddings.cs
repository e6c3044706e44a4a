using Microsoft.Extensions.AI;

namespace Milvus.Orleans.VectorData.Tests;

/// <summary>A deterministic embedding for tests: how often each of the letters a..h occurs in the text.</summary>
public sealed class LetterEmbeddings : IEmbeddingGenerator<string, Embedding<float>>
{
    public const int Dimensions = 8;

    public static float[] Of(string text)
    {
        var vector = new float[Dimensions];
        foreach (var c in text.ToLowerInvariant())
        {
            if (c is >= 'a' and < (char)('a' + Dimensions))
            {
                vector[c - 'a']++;
            }
        }

        return vector;
    }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(v => new Embedding<float>(Of(v)))));

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
