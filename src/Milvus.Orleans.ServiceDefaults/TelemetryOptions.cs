using Microsoft.Extensions.Options;
using Milvus.Orleans.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>Section <c>Milvus:Telemetry</c>: what a process records of its traces.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Milvus:Telemetry";

    /// <summary>New traces a process starts per second at most (0: none); spans of a trace started elsewhere follow it.</summary>
    public int TracesPerSecond { get; set; } = 20;
}

internal sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    private static readonly OptionRange TracesPerSecond = new($"{TelemetryOptions.SectionName}:TracesPerSecond", 0, 100_000, "traces/s");

    public ValidateOptionsResult Validate(string? name, TelemetryOptions options) => OptionRange.Validate((TracesPerSecond, options.TracesPerSecond));
}
