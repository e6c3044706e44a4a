using System.Runtime.CompilerServices;
using System.Text.Json;
using Milvus.Orleans.Data;

namespace Milvus.Orleans.Query.Filters;

/// <summary>JSON columns parsed once per column (columns are immutable), and values read from them by path.</summary>
internal static class JsonColumns
{
    private static readonly ConditionalWeakTable<FieldColumn, JsonElement?[]> Parsed = [];

    /// <summary>Each row's document; null where the text is not JSON.</summary>
    public static JsonElement?[] Get(FieldColumn column) => Parsed.GetValue(column, static c => [.. ((string[])c.Values).Select(Parse)]);

    /// <summary>
    /// The value at <paramref name="path"/>: a <see cref="long"/> for an integral number that fits, a
    /// <see cref="double"/> for any other number, a <see cref="string"/> or a <see cref="bool"/>; null when the path is
    /// missing or leads to null, an object or an array.
    /// </summary>
    public static object? Value(JsonElement? document, IReadOnlyList<string> path)
    {
        if (document is not { } element)
        {
            return null;
        }

        foreach (var key in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(key, out element))
            {
                return null;
            }
        }

        return element.ValueKind switch
        {
            JsonValueKind.Number => element.TryGetInt64(out var integer) ? (object)integer : element.GetDouble(),
            JsonValueKind.String => element.GetString(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        };
    }

    private static JsonElement? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
