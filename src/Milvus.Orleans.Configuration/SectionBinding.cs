using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Milvus.Orleans.Configuration;

/// <summary>
/// Binds a flat options class to its configuration section key by key, and reports, instead of throwing, every key
/// whose value does not convert to its property's type and every key the class does not have (a misspelt setting would
/// otherwise be ignored in silence). Configuration's own binder throws on the first value that does not convert, which
/// stopped a silo with a stack trace instead of a message naming the key.
/// </summary>
internal sealed class SectionBinding<TOptions>(IConfigurationSection section) : IValidateOptions<TOptions>
    where TOptions : class
{
    private static readonly PropertyInfo[] Settings = [.. typeof(TOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanWrite && p.SetMethod!.IsPublic)];

    /// <summary>Sets every property whose key holds a value of its type; the others keep their defaults.</summary>
    public void Bind(TOptions options)
    {
        foreach (var property in Settings)
        {
            if (section[property.Name] is { } text && TryConvert(text, property.PropertyType, out var value))
            {
                property.SetValue(options, value);
            }
        }
    }

    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var failures = new List<string>();
        foreach (var child in section.GetChildren())
        {
            var property = Array.Find(Settings, p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                failures.Add($"{child.Path} is not a setting: {section.Path} has {string.Join(", ", Settings.Select(p => p.Name))}.");
            }
            else if (child.Value is { } text && !TryConvert(text, property.PropertyType, out _))
            {
                failures.Add($"{child.Path} = '{text}' is not {Expected(property.PropertyType)}.");
            }
        }

        return OptionRange.ToResult(failures);
    }

    private static bool TryConvert(string text, Type type, out object? value)
    {
        value = null;
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (target == typeof(string))
        {
            value = text;
            return true;
        }

        if (target.IsEnum)
        {
            // Names only: a number would pick whatever member has that value.
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
                && Enum.TryParse(target, text, ignoreCase: true, out var member) && Enum.IsDefined(target, member!))
            {
                value = member;
                return true;
            }

            return false;
        }

        try
        {
            value = TypeDescriptor.GetConverter(target).ConvertFromInvariantString(text);
            return value is not null;
        }
        catch (Exception ex) when (ex is FormatException or NotSupportedException or ArgumentException or OverflowException)
        {
            return false;
        }
    }

    private static string Expected(Type type)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        return target switch
        {
            _ when target.IsEnum => $"one of {string.Join(", ", Enum.GetNames(target).Select(n => n.ToLowerInvariant()))}",
            _ when target == typeof(bool) => "true or false",
            _ when target == typeof(int) => $"a whole number in {int.MinValue}..{int.MaxValue}",
            _ when target == typeof(long) => "a whole number",
            _ when target == typeof(double) || target == typeof(float) => "a number",
            _ when target == typeof(TimeSpan) => "a duration (hh:mm:ss)",
            _ => $"a {target.Name}",
        };
    }
}
