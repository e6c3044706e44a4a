using System.Text.Json;

namespace Milvus.Orleans.Gateway.Rest;

/// <summary>
/// A request body (or an object inside one): properties matched case-insensitively, as Milvus' own examples spell
/// them both ways (<c>autoId</c>, <c>autoID</c>); a property that is null counts as absent. A value of the wrong
/// kind is <see cref="RestCode.InvalidParameter"/>, a required one missing <see cref="RestCode.MissingParameter"/>.
/// </summary>
internal sealed class RestBody
{
    private readonly JsonElement _element;
    private readonly string _path;

    private RestBody(JsonElement element, string path)
    {
        _element = element;
        _path = path;
    }

    /// <summary>The body of a request: a JSON object, or <see cref="RestCode.InvalidJson"/>.</summary>
    public static RestBody Of(JsonElement element) => element.ValueKind == JsonValueKind.Object
        ? new(element, "")
        : throw new RestException(RestCode.InvalidJson, $"the request body must be a JSON object, not {Kind(element)}");

    /// <summary>The value of <paramref name="name"/>, or null when absent or null.</summary>
    public JsonElement? Find(string name)
    {
        foreach (var property in _element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value.ValueKind == JsonValueKind.Null ? null : property.Value;
            }
        }

        return null;
    }

    public bool Has(string name) => Find(name) is not null;

    public JsonElement Required(string name) => Find(name) ?? throw RestException.Missing(Name(name));

    public string RequiredString(string name) => String(name) is { Length: > 0 } value ? value : throw RestException.Missing(Name(name));

    public string? String(string name) => Find(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        var value => throw WrongKind(name, "a string", value.Value),
    };

    public bool Bool(string name, bool defaultValue) => Find(name) switch
    {
        null => defaultValue,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        // Some clients send flags as text.
        { ValueKind: JsonValueKind.String } value when bool.TryParse(value.GetString(), out var parsed) => parsed,
        var value => throw WrongKind(name, "true or false", value.Value),
    };

    /// <summary>A whole number in <paramref name="min"/>..<paramref name="max"/>; as JSON number or as text.</summary>
    public int Int(string name, int defaultValue, int min, int max)
    {
        if (Find(name) is not { } value)
        {
            return defaultValue;
        }

        var parsed = value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt64(out var number) => number,
            JsonValueKind.String when long.TryParse(value.GetString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var number) => number,
            _ => throw WrongKind(name, "a whole number", value),
        };
        return parsed >= min && parsed <= max
            ? (int)parsed
            : throw RestException.Invalid($"'{Name(name)}' is {parsed}: allowed {min}..{max}");
    }

    /// <summary>An array of strings, or a single string as a list of one.</summary>
    public IReadOnlyList<string>? Strings(string name) => Find(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } one => [one.GetString()!],
        { ValueKind: JsonValueKind.Array } many => [.. many.EnumerateArray().Select((item, i) => item.ValueKind == JsonValueKind.String
            ? item.GetString()!
            : throw WrongKind($"{name}[{i}]", "a string", item))],
        var value => throw WrongKind(name, "an array of strings", value.Value),
    };

    /// <summary>The object <paramref name="name"/>, or null when absent.</summary>
    public RestBody? Object(string name) => Find(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Object } value => new(value, Name(name) + "."),
        var value => throw WrongKind(name, "an object", value.Value),
    };

    /// <summary>The objects of array <paramref name="name"/>, or null when absent.</summary>
    public IReadOnlyList<RestBody>? Objects(string name) => Find(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Array } many => [.. many.EnumerateArray().Select((item, i) => item.ValueKind == JsonValueKind.Object
            ? new RestBody(item, $"{Name(name)}[{i}].")
            : throw WrongKind($"{name}[{i}]", "an object", item))],
        var value => throw WrongKind(name, "an array of objects", value.Value),
    };

    /// <summary>Every property, as the request spelled it.</summary>
    public IEnumerable<JsonProperty> Properties => _element.EnumerateObject();

    /// <summary>The parameter's name as the caller sees it, with the path of the object it sits in.</summary>
    public string Name(string name) => _path + name;

    public RestException WrongKind(string name, string expected, JsonElement value) =>
        RestException.Invalid($"'{Name(name)}' must be {expected}, not {Kind(value)}");

    public static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
