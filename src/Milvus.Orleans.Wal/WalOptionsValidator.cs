using Microsoft.Extensions.Options;
using Milvus.Orleans.Configuration;

namespace Milvus.Orleans.Wal;

internal sealed class WalOptionsValidator : IValidateOptions<WalOptions>
{
    private static readonly OptionRange BufferSizeMb = new($"{WalOptions.SectionName}:BufferSizeMb", 64, 4096, "MB");

    public ValidateOptionsResult Validate(string? name, WalOptions options)
    {
        var failures = OptionRange.Check((BufferSizeMb, options.BufferSizeMb));
        if (!Enum.IsDefined(options.Storage))
        {
            failures.Add($"{WalOptions.SectionName}:Storage = {options.Storage} is not a storage: allowed local, blob, memory.");
        }

        if (options.Storage == WalStorageKind.Local && string.IsNullOrWhiteSpace(options.Path))
        {
            failures.Add($"{WalOptions.SectionName}:Path is empty: the local storage needs a directory.");
        }

        return OptionRange.ToResult(failures);
    }
}
