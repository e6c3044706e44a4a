using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Milvus.Orleans.Streaming.Configuration;
using Milvus.Orleans.Wal;

namespace Milvus.Orleans.Streaming.Tests.Configuration;

/// <summary>Every <c>Milvus</c> key of DESIGN §10 is checked by the validator that runs when the silo starts.</summary>
public sealed class MilvusOptionsValidationTests
{
    [Theory]
    [InlineData("Milvus:Wal:BufferSizeMb", "10", "Milvus:Wal:BufferSizeMb = 10 is out of range: allowed 64..4096 MB.")]
    [InlineData("Milvus:Wal:BufferSizeMb", "4097", "Milvus:Wal:BufferSizeMb = 4097 is out of range: allowed 64..4096 MB.")]
    [InlineData("Milvus:Wal:Path", "", "Milvus:Wal:Path is empty: the local storage needs a directory.")]
    [InlineData("Milvus:Streaming:PChannels", "0", "Milvus:Streaming:PChannels = 0 is out of range: allowed 1..1024.")]
    [InlineData("Milvus:Streaming:TimeTickMs", "5", "Milvus:Streaming:TimeTickMs = 5 is out of range: allowed 10..10000 ms.")]
    [InlineData("Milvus:Segment:MaxSizeMb", "0", "Milvus:Segment:MaxSizeMb = 0 is out of range: allowed 1..8192 MB.")]
    [InlineData("Milvus:Segment:FlushIntervalSeconds", "0", "Milvus:Segment:FlushIntervalSeconds = 0 is out of range: allowed 1..86400 s.")]
    [InlineData("Milvus:Segment:LifetimeHours", "721", "Milvus:Segment:LifetimeHours = 721 is out of range: allowed 1..720 h.")]
    [InlineData("Milvus:History:RetentionHours", "-1", "Milvus:History:RetentionHours = -1 is out of range: allowed 0..87600 h.")]
    [InlineData("Milvus:Message:MaxBytes", "1024", "Milvus:Message:MaxBytes = 1024 is out of range: allowed 65536..67108864 bytes.")]
    public void Validate_WhenValueOutOfRange_FailsNamingKeyAndRange(string key, string value, string expected)
    {
        var validator = StartupValidator(new() { [key] = value });

        var error = Assert.Throws<OptionsValidationException>(validator.Validate);

        Assert.Equal([expected], error.Failures);
    }

    [Fact]
    public void Validate_WhenSeveralValuesOutOfRange_ReportsEachOnce()
    {
        var validator = StartupValidator(new()
        {
            ["Milvus:Wal:BufferSizeMb"] = "10",
            ["Milvus:Streaming:PChannels"] = "2000",
        });

        var error = Assert.Throws<AggregateException>(validator.Validate);

        var failures = error.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures).Order(StringComparer.Ordinal);
        Assert.Equal(
            [
                "Milvus:Streaming:PChannels = 2000 is out of range: allowed 1..1024.",
                "Milvus:Wal:BufferSizeMb = 10 is out of range: allowed 64..4096 MB.",
            ],
            failures);
    }

    [Theory]
    [InlineData("Milvus:Wal:Storage", "disk", "Milvus:Wal:Storage = 'disk' is not one of local, blob, memory.")]
    [InlineData("Milvus:Wal:Storage", "1", "Milvus:Wal:Storage = '1' is not one of local, blob, memory.")]
    [InlineData("Milvus:Wal:BufferSizeMb", "lots", "Milvus:Wal:BufferSizeMb = 'lots' is not a whole number in -2147483648..2147483647.")]
    [InlineData("Milvus:Wal:BufferSizeMb", "99999999999", "Milvus:Wal:BufferSizeMb = '99999999999' is not a whole number in -2147483648..2147483647.")]
    [InlineData("Milvus:Wal:Enable", "yes", "Milvus:Wal:Enable = 'yes' is not true or false.")]
    [InlineData("Milvus:Streaming:PChannels", "16.5", "Milvus:Streaming:PChannels = '16.5' is not a whole number in -2147483648..2147483647.")]
    [InlineData("Milvus:Message:MaxBytes", "2MB", "Milvus:Message:MaxBytes = '2MB' is not a whole number in -2147483648..2147483647.")]
    [InlineData("Milvus:Wal:BuferSizeMb", "128", "Milvus:Wal:BuferSizeMb is not a setting: Milvus:Wal has Enable, RecoveryErrorIgnore, BufferSizeMb, Storage, Path.")]
    public void Validate_WhenAValueIsNotOfItsType_FailsNamingKeyAndValue(string key, string value, string expected)
    {
        var validator = StartupValidator(new() { [key] = value });

        var error = Assert.Throws<OptionsValidationException>(validator.Validate);

        Assert.Equal([expected], error.Failures);
    }

    [Fact]
    public void Validate_WhenMessagesDoNotFitOneAppendOfTheWalStorage_FailsNamingBothKeys()
    {
        var validator = StartupValidator(new() { ["Milvus:Message:MaxBytes"] = (64 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture) });

        var error = Assert.Throws<OptionsValidationException>(validator.Validate);

        Assert.Equal(
            ["Milvus:Message:MaxBytes = 67108864 does not fit Milvus:Wal:Storage = Local: it appends at most 67108877 bytes at once, so a message holds at most 67043341 bytes."],
            error.Failures);
    }

    [Fact]
    public void Validate_WhenNothingConfigured_AcceptsTheDocumentedDefaults()
    {
        var services = Services([]);

        services.GetRequiredService<IStartupValidator>().Validate();

        var wal = services.GetRequiredService<IOptions<WalOptions>>().Value;
        var streaming = services.GetRequiredService<IOptions<StreamingOptions>>().Value;
        var message = services.GetRequiredService<IOptions<MessageOptions>>().Value;
        Assert.Equal((true, true, 256, WalStorageKind.Local), (wal.Enable, wal.RecoveryErrorIgnore, wal.BufferSizeMb, wal.Storage));
        Assert.Equal((16, 200), (streaming.PChannels, streaming.TimeTickMs));
        Assert.Equal(2 * 1024 * 1024, message.MaxBytes);
    }

    private static IStartupValidator StartupValidator(Dictionary<string, string?> settings) =>
        Services(settings).GetRequiredService<IStartupValidator>();

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var builder = Host.CreateEmptyApplicationBuilder(new());
        builder.UseOrleans(silo => silo.AddMilvusStreaming(configuration));
        return builder.Services.BuildServiceProvider();
    }
}
