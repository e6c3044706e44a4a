using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Milvus.Orleans.Configuration;

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
}
