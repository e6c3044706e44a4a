namespace Milvus.Orleans.Query.Filters;

/// <summary>
/// The values of an <c>in</c> list compared with a per-row value of any type, in constant time per row: integers
/// exactly, integers and floats as doubles, text ordinally.
/// </summary>
internal sealed class LiteralSet
{
    private readonly HashSet<long> _integers = [];
    private readonly HashSet<double> _floats = [];
    private readonly HashSet<double> _integersAsDoubles = [];
    private readonly HashSet<string> _strings = new(StringComparer.Ordinal);

    public LiteralSet(IEnumerable<object> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var value in values)
        {
            switch (value)
            {
                case long integer:
                    _integers.Add(integer);
                    _integersAsDoubles.Add(integer);
                    break;
                case double real:
                    _floats.Add(real);
                    break;
                case string text:
                    _strings.Add(text);
                    break;
            }
        }
    }

    /// <summary>Whether <paramref name="value"/> equals one of the values; null when it compares with none of them (another type, or missing).</summary>
    public bool? Contains(object? value) => value switch
    {
        long integer when _integers.Count + _floats.Count > 0 => _integers.Contains(integer) || _floats.Contains(integer),
        double real when _integers.Count + _floats.Count > 0 => _floats.Contains(real) || _integersAsDoubles.Contains(real),
        string text when _strings.Count > 0 => _strings.Contains(text),
        _ => null,
    };
}
