using Microsoft.Extensions.Options;
using Milvus.Orleans.Configuration;

namespace Milvus.Orleans.Streaming.Configuration;

internal sealed class StreamingOptionsValidator : IValidateOptions<StreamingOptions>
{
    private static readonly OptionRange PChannels = new($"{StreamingOptions.SectionName}:PChannels", 1, 1024);
    private static readonly OptionRange TimeTickMs = new($"{StreamingOptions.SectionName}:TimeTickMs", 10, 10_000, "ms");

    public ValidateOptionsResult Validate(string? name, StreamingOptions options) =>
        OptionRange.Validate((PChannels, options.PChannels), (TimeTickMs, options.TimeTickMs));
}

internal sealed class SegmentOptionsValidator : IValidateOptions<SegmentOptions>
{
    private static readonly OptionRange MaxSizeMb = new($"{SegmentOptions.SectionName}:MaxSizeMb", 1, 8192, "MB");
    private static readonly OptionRange IdleSeconds = new($"{SegmentOptions.SectionName}:IdleSeconds", 1, 86_400, "s");
    private static readonly OptionRange LifetimeHours = new($"{SegmentOptions.SectionName}:LifetimeHours", 1, 720, "h");

    public ValidateOptionsResult Validate(string? name, SegmentOptions options) => OptionRange.Validate(
        (MaxSizeMb, options.MaxSizeMb), (IdleSeconds, options.IdleSeconds), (LifetimeHours, options.LifetimeHours));
}

internal sealed class MessageOptionsValidator : IValidateOptions<MessageOptions>
{
    private static readonly OptionRange MaxBytes = new($"{MessageOptions.SectionName}:MaxBytes", 64 * 1024, 64 * 1024 * 1024, "bytes");

    public ValidateOptionsResult Validate(string? name, MessageOptions options) =>
        OptionRange.Validate((MaxBytes, options.MaxBytes));
}
