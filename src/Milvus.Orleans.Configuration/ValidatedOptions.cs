using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Milvus.Orleans.Configuration;

/// <summary>Registers options sections the way every Milvus.Orleans host does.</summary>
public static class ValidatedOptions
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to <paramref name="section"/> and validates it when the host starts: a value
    /// of the wrong type, an unknown key or what <typeparamref name="TValidator"/> refuses stops start-up with a message
    /// naming the key (an <see cref="OptionsValidationException"/>).
    /// </summary>
    public static IServiceCollection AddValidatedOptions<TOptions, TValidator>(
        this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var binding = new SectionBinding<TOptions>(configuration.GetSection(section));
        services.AddOptions<TOptions>().Configure(binding.Bind).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>>(binding));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return services;
    }
}
