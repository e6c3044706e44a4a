namespace Milvus.Orleans.Client;

/// <summary>How the client finds the cluster.</summary>
public sealed class MilvusClientOptions
{
    /// <summary>The service id the AppHost gives the cluster.</summary>
    public const string DefaultServiceId = "milvus-orleans";

    /// <summary>
    /// Redis (or Garnet) connection string of the cluster's membership table. Defaults to
    /// <c>ConnectionStrings:redis</c>, which Aspire injects into resources that reference the cluster.
    /// </summary>
    public string? RedisConnectionString { get; set; }

    /// <summary>
    /// Orleans cluster id of the deployment to join; defaults to <c>Orleans:ClusterId</c>, which Aspire injects.
    /// The AppHost names a new cluster on every run and logs it.
    /// </summary>
    public string? ClusterId { get; set; }

    /// <summary>Orleans service id; defaults to <c>Orleans:ServiceId</c>, then <see cref="DefaultServiceId"/>.</summary>
    public string ServiceId { get; set; } = DefaultServiceId;

    /// <summary>
    /// <c>user:password</c>, sent with every call, as Milvus' token; needed when the cluster has authorization on.
    /// Defaults to <c>Milvus:Token</c>.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>
    /// The cluster's certificate (PKCS#12 with its key) when the cluster uses TLS; defaults to
    /// <c>Milvus:Security:TlsCertificatePath</c>, the key the silos read.
    /// </summary>
    public string? TlsCertificatePath { get; set; }

    /// <summary>The password of <see cref="TlsCertificatePath"/>; defaults to <c>Milvus:Security:TlsCertificatePassword</c>.</summary>
    public string? TlsCertificatePassword { get; set; }
}
