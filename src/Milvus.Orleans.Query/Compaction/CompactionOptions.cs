using Microsoft.Extensions.Options;
using Milvus.Orleans.Configuration;

namespace Milvus.Orleans.Query.Compaction;

/// <summary>Compaction of history (section <c>Milvus:Compaction</c>).</summary>
public sealed class CompactionOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Milvus:Compaction";

    /// <summary>How often silos start a compaction of every collection on their own; 0: only when asked (<c>CompactAsync</c>).</summary>
    public int IntervalMinutes { get; set; } = 10;

    /// <summary>A segment is written again without its removable rows (deleted or expired before the retention window) once they are this share of it.</summary>
    public int RemovablePercent { get; set; } = 20;
}

internal sealed class CompactionOptionsValidator : IValidateOptions<CompactionOptions>
{
    private static readonly OptionRange IntervalMinutes = new($"{CompactionOptions.SectionName}:IntervalMinutes", 0, 10_080, "minutes");
    private static readonly OptionRange RemovablePercent = new($"{CompactionOptions.SectionName}:RemovablePercent", 1, 100, "%");

    public ValidateOptionsResult Validate(string? name, CompactionOptions options) =>
        OptionRange.Validate((IntervalMinutes, options.IntervalMinutes), (RemovablePercent, options.RemovablePercent));
}
