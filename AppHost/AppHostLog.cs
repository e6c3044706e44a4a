using Microsoft.Extensions.Logging;

namespace Milvus.Orleans.AppHost;

internal static partial class AppHostLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Orleans cluster id: {ClusterId} (clients outside the AppHost pass it as Orleans:ClusterId); data in {DataPath}")]
    public static partial void ClusterNamed(ILogger logger, string clusterId, string dataPath);

    [LoggerMessage(Level = LogLevel.Information, Message = "Milvus REST API v2: http://localhost:{Port}/v2/vectordb (Authorization: Bearer root:<the milvus-root-password parameter>)")]
    public static partial void RestApi(ILogger logger, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "TLS on: silos and clients present the cluster certificate {Path} (clients pass it as Milvus:Security:TlsCertificatePath)")]
    public static partial void TlsOn(ILogger logger, string path);
}
