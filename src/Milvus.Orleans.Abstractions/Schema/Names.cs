using System.Text.RegularExpressions;

namespace Milvus.Orleans.Schema;

/// <summary>The naming rule of collections, partitions and fields, as in Milvus.</summary>
public static partial class Names
{
    /// <summary>Longest name.</summary>
    public const int MaxLength = 255;

    /// <summary>The partition every collection has.</summary>
    public const string DefaultPartition = "_default";

    /// <summary>Throws <see cref="ErrorCode.InvalidName"/> unless <paramref name="name"/> follows the rule.</summary>
    /// <param name="kind">What is named ("collection", "partition", "field"), for the message.</param>
    /// <param name="name">The name.</param>
    public static void Validate(string kind, string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || !Pattern().IsMatch(name))
        {
            var shown = name is null ? "null" : $"'{(name.Length > 64 ? name[..64] + "…" : name)}'";
            throw new MilvusException(
                ErrorCode.InvalidName,
                $"Invalid {kind} name {shown}: expected a letter or '_' followed by letters, digits or '_', 1..{MaxLength} characters.");
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
