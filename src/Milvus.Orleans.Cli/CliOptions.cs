using System.CommandLine;
using System.Globalization;

namespace Milvus.Orleans.Cli;

/// <summary>Checks of flags, made by the parser before anything runs: a value outside them is a usage error (exit 2).</summary>
internal static class CliOptions
{
    /// <summary><paramref name="option"/> with values in <paramref name="min"/>..<paramref name="max"/> only.</summary>
    public static Option<int> InRange(this Option<int> option, int min, int max)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value < min || value > max)
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} is {value}: allowed {min}..{max}."));
            }
        });
        return option;
    }
}
