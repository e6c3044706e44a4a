using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;
using Milvus.Orleans.Configuration;
using Milvus.Orleans.Wal;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Streaming.Configuration;

internal sealed class StreamingOptionsValidator : IValidateOptions<StreamingOptions>
{
    private static readonly OptionRange PChannels = new($"{StreamingOptions.SectionName}:PChannels", 1, 1024);
    private static readonly OptionRange TimeTickMs = new($"{StreamingOptions.SectionName}:TimeTickMs", 10, 10_000, "ms");

    public ValidateOptionsResult Validate(string? name, StreamingOptions options) =>
        OptionRange.Validate((PChannels, options.PChannels), (TimeTickMs, options.TimeTickMs));
}

internal sealed class HistoryOptionsValidator : IValidateOptions<HistoryOptions>
{
    private static readonly OptionRange RetentionHours = new($"{HistoryOptions.SectionName}:RetentionHours", 0, 87_600, "h");

    public ValidateOptionsResult Validate(string? name, HistoryOptions options) => OptionRange.Validate((RetentionHours, options.RetentionHours));
}

internal sealed class SegmentOptionsValidator : IValidateOptions<SegmentOptions>
{
    private static readonly OptionRange MaxSizeMb = new($"{SegmentOptions.SectionName}:MaxSizeMb", 1, 8192, "MB");
    private static readonly OptionRange FlushIntervalSeconds = new($"{SegmentOptions.SectionName}:FlushIntervalSeconds", 1, 86_400, "s");
    private static readonly OptionRange LifetimeHours = new($"{SegmentOptions.SectionName}:LifetimeHours", 1, 720, "h");

    public ValidateOptionsResult Validate(string? name, SegmentOptions options) => OptionRange.Validate(
        (MaxSizeMb, options.MaxSizeMb), (FlushIntervalSeconds, options.FlushIntervalSeconds), (LifetimeHours, options.LifetimeHours));
}

/// <summary>Checks <see cref="MessageOptions"/> alone and against the WAL's storage, which must take a message of that size in one append.</summary>
internal sealed class MessageOptionsValidator(IServiceProvider services) : IValidateOptions<MessageOptions>
{
    /// <summary>What a logged message needs beyond its rows: its envelope and frame.</summary>
    internal const int Envelope = 64 * 1024;

    private static readonly OptionRange MaxBytes = new($"{MessageOptions.SectionName}:MaxBytes", 64 * 1024, 64 * 1024 * 1024, "bytes");

    public ValidateOptionsResult Validate(string? name, MessageOptions options)
    {
        var failures = OptionRange.Check((MaxBytes, options.MaxBytes));
        if (failures.Count == 0 && Storage() is { } storage && options.MaxBytes + Envelope > storage.MaxAppendBytes)
        {
            failures.Add(
                $"{MessageOptions.SectionName}:MaxBytes = {options.MaxBytes} does not fit {WalOptions.SectionName}:Storage = " +
                $"{services.GetRequiredService<IOptions<WalOptions>>().Value.Storage}: it appends at most {storage.MaxAppendBytes} bytes at once, " +
                $"so a message holds at most {storage.MaxAppendBytes - Envelope} bytes.");
        }

        return OptionRange.ToResult(failures);
    }

    /// <summary>The WAL's storage, or null when the WAL's own options are wrong (their validator says why).</summary>
    private IWalStorage? Storage()
    {
        try
        {
            return services.GetRequiredService<IWalStorage>();
        }
        catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
        {
            return null;
        }
    }
}
