using Microsoft.Extensions.Options;

namespace Milvus.Orleans.Configuration;

/// <summary>
/// An allowed closed range of a numeric configuration key. Failures name the key, the range and the value
/// found, so an operator can fix the setting without reading code.
/// </summary>
public sealed record OptionRange(string Key, long Min, long Max, string Unit = "")
{
    /// <summary>The failures of every (range, value) pair, in order.</summary>
    public static List<string> Check(params ReadOnlySpan<(OptionRange Range, long Value)> checks)
    {
        var failures = new List<string>();
        foreach (var (range, value) in checks)
        {
            if (value < range.Min || value > range.Max)
            {
                var unit = range.Unit.Length == 0 ? string.Empty : " " + range.Unit;
                failures.Add($"{range.Key} = {value} is out of range: allowed {range.Min}..{range.Max}{unit}.");
            }
        }

        return failures;
    }

    /// <summary>The result of checking every (range, value) pair.</summary>
    public static ValidateOptionsResult Validate(params ReadOnlySpan<(OptionRange Range, long Value)> checks) =>
        ToResult(Check(checks));

    /// <summary>Success when there are no failures, else every failure.</summary>
    public static ValidateOptionsResult ToResult(List<string> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
