using Microsoft.Extensions.Options;

namespace Milvus.Orleans.Security;

/// <summary>Configuration section <c>Milvus:Security</c>: authentication of clients and TLS.</summary>
public sealed class SecurityOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "Milvus:Security";

    /// <summary>Whether every client call must carry a valid <c>user:password</c> token, as Milvus' <c>authorizationEnabled</c>.</summary>
    public bool AuthorizationEnabled { get; set; }

    /// <summary>The password of user <c>root</c> (6..256 characters); needed when authorization is on.</summary>
    public string? RootPassword { get; set; }

    /// <summary>A PKCS#12 (.pfx) file with the cluster's certificate and key: silo and client links use TLS when set.</summary>
    public string? TlsCertificatePath { get; set; }

    /// <summary>The password of <see cref="TlsCertificatePath"/>, if it has one.</summary>
    public string? TlsCertificatePassword { get; set; }
}

internal sealed class SecurityOptionsValidator : IValidateOptions<SecurityOptions>
{
    public ValidateOptionsResult Validate(string? name, SecurityOptions options)
    {
        var failures = new List<string>();
        if (options.RootPassword is { } root && !Passwords.IsValid(root))
        {
            failures.Add($"{SecurityOptions.SectionName}:RootPassword is {root.Length} characters long: allowed {Passwords.MinLength}..{Passwords.MaxLength}.");
        }
        else if (options.AuthorizationEnabled && string.IsNullOrEmpty(options.RootPassword))
        {
            failures.Add($"{SecurityOptions.SectionName}:RootPassword is empty: with AuthorizationEnabled the root user needs a password ({Passwords.MinLength}..{Passwords.MaxLength} characters).");
        }

        if (!string.IsNullOrEmpty(options.TlsCertificatePath))
        {
            try
            {
                ClusterCertificate.Load(options.TlsCertificatePath, options.TlsCertificatePassword).Dispose();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or InvalidOperationException)
            {
                failures.Add($"{SecurityOptions.SectionName}:TlsCertificatePath = '{options.TlsCertificatePath}' cannot be used: {ex.Message}");
            }
        }

        return Configuration.OptionRange.ToResult(failures);
    }
}
