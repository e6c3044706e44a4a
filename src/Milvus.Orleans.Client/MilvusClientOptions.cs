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

    /// <summary>With a connection name: leave out the health check that asks the cluster for its active silos.</summary>
    public bool DisableHealthChecks { get; set; }

    /// <summary>With a connection name: leave out the SDK's and Orleans' trace sources from OpenTelemetry.</summary>
    public bool DisableTracing { get; set; }

    /// <summary>
    /// Options from a connection string as the Aspire hosting integration hands it to a project that references the
    /// cluster: <c>ClusterId=…;ServiceId=…;Token=user:password;Redis=host:port</c> (also <c>TlsCertificatePath</c> and
    /// <c>TlsCertificatePassword</c>); keys are case-insensitive, unknown ones are refused.
    /// </summary>
    public static MilvusClientOptions FromConnectionString(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var parts = new System.Data.Common.DbConnectionStringBuilder();
        try
        {
            parts.ConnectionString = connectionString;
        }
        catch (ArgumentException ex)
        {
            throw new MilvusException(ErrorCode.InvalidArgument, $"The connection string is not a list of key=value pairs: {ex.Message}");
        }

        var options = new MilvusClientOptions();
        foreach (string key in parts.Keys)
        {
            var value = parts[key] as string;
            switch (key.ToUpperInvariant())
            {
                case "REDIS": options.RedisConnectionString = value; break;
                case "CLUSTERID": options.ClusterId = value; break;
                case "SERVICEID": options.ServiceId = value ?? DefaultServiceId; break;
                case "TOKEN": options.Token = value; break;
                case "TLSCERTIFICATEPATH": options.TlsCertificatePath = value; break;
                case "TLSCERTIFICATEPASSWORD": options.TlsCertificatePassword = value; break;
                default:
                    throw new MilvusException(
                        ErrorCode.InvalidArgument,
                        $"The connection string has key '{key}': known are Redis, ClusterId, ServiceId, Token, TlsCertificatePath, TlsCertificatePassword.");
            }
        }

        return options;
    }
}
