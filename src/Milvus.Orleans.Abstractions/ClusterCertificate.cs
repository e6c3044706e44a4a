using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Milvus.Orleans;

/// <summary>
/// The certificate a TLS cluster shares: every silo and every client presents it, and each end accepts a peer whose
/// certificate chains to a trusted root or is this very certificate (so a self-signed one serves a private cluster).
/// </summary>
public static class ClusterCertificate
{
    /// <summary>Loads a PKCS#12 (.pfx) file with its private key.</summary>
    public static X509Certificate2 Load(string path, string? password)
    {
        var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new InvalidOperationException($"'{path}' has no private key: a cluster certificate is presented by both ends of a connection.");
        }

        return certificate;
    }

    /// <summary>Whether <paramref name="remote"/>, presented by the other end, belongs to the cluster of <paramref name="own"/>.</summary>
    public static bool IsPeer(X509Certificate2 own, X509Certificate2? remote, SslPolicyErrors errors)
    {
        ArgumentNullException.ThrowIfNull(own);
        if (remote is null)
        {
            return false;
        }

        // The host name does not matter: silos and clients connect by address, and the certificate names the cluster.
        var remaining = errors & ~SslPolicyErrors.RemoteCertificateNameMismatch;
        return remaining == SslPolicyErrors.None || remote.RawDataMemory.Span.SequenceEqual(own.RawDataMemory.Span);
    }
}
