using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Milvus.Orleans.Wal;

/// <summary>Registers the WAL engine's services.</summary>
public static class WalServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="WalOptions"/> to <c>Milvus:Wal</c> and validates them when the host starts:
    /// a value out of range stops start-up with a message naming the key and the allowed range.
    /// </summary>
    public static IServiceCollection AddMilvusWal(this IServiceCollection services, IConfiguration configuration) =>
        services.AddValidatedOptions<WalOptions, WalOptionsValidator>(configuration, WalOptions.SectionName);

    /// <summary>Binds <typeparamref name="TOptions"/> to <paramref name="section"/>, validated at start-up.</summary>
    internal static IServiceCollection AddValidatedOptions<TOptions, TValidator>(
        this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TOptions>().Bind(configuration.GetSection(section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return services;
    }
}
