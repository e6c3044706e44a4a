using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Milvus.Orleans.AppHost;

/// <summary>The self-signed certificate a local cluster uses for TLS (<c>--Tls true</c>), made once beside its data.</summary>
internal static class ClusterCertificates
{
    /// <summary>The PKCS#12 file at <paramref name="path"/>, made now (RSA 2048, 5 years, no password, readable by its owner only) if missing.</summary>
    public static string EnsureSelfSigned(string path)
    {
        if (File.Exists(path))
        {
            return path;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=milvus-orleans cluster", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        // Both ends present it: each silo and client is a TLS server and a TLS client.
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, certificate.Export(X509ContentType.Pkcs12));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, path);
        return path;
    }
}
