using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Milvus.Orleans.Configuration;
using Orleans.Connections.Security;

namespace Milvus.Orleans.Security;

/// <summary>Adds the service boundary to an Orleans silo.</summary>
public static class SecuritySiloBuilderExtensions
{
    /// <summary>
    /// Registers the client call filter, the user directory and token checks, with <c>Milvus:Security</c> bound and
    /// validated when the silo starts; with a certificate configured, every link of the silo (to silos and clients)
    /// uses TLS with that certificate on both ends.
    /// </summary>
    public static ISiloBuilder AddMilvusSecurity(this ISiloBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services
            .AddValidatedOptions<SecurityOptions, SecurityOptionsValidator>(configuration, SecurityOptions.SectionName)
            .AddSingleton<CredentialVerifier>()
            .AddSingleton<ITokenAuthenticator>(sp => sp.GetRequiredService<CredentialVerifier>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddIncomingGrainCallFilter<ClientCallFilter>();
        if (TryLoadCertificate(configuration) is { } certificate)
        {
            builder.UseTls(certificate, tls => RequireClusterPeers(tls, certificate));
        }

        return builder;
    }

    /// <summary>Both ends present the cluster certificate, and accept only a peer that presents it (or one chaining to a trusted root).</summary>
    public static void RequireClusterPeers(TlsOptions tls, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(tls);
        tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.RemoteCertificateValidation = (remote, _, errors) => ClusterCertificate.IsPeer(certificate, remote, errors);
    }

    /// <summary>The configured certificate; null when none is set or it cannot be read (the options' validation then stops the silo naming why).</summary>
    private static System.Security.Cryptography.X509Certificates.X509Certificate2? TryLoadCertificate(IConfiguration configuration)
    {
        var path = configuration[$"{SecurityOptions.SectionName}:{nameof(SecurityOptions.TlsCertificatePath)}"];
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        try
        {
            return ClusterCertificate.Load(path, configuration[$"{SecurityOptions.SectionName}:{nameof(SecurityOptions.TlsCertificatePassword)}"]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or InvalidOperationException)
        {
            return null;
        }
    }
}
