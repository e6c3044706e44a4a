namespace Milvus.Orleans.GarnetHost;

/// <summary>Configuration section <c>Garnet</c>.</summary>
internal sealed class GarnetHostOptions
{
    public const string SectionName = "Garnet";

    /// <summary>Loopback address to listen on.</summary>
    public string Bind { get; set; } = "127.0.0.1";

    /// <summary>TCP port (the AppHost allocates one and passes it in).</summary>
    public int Port { get; set; } = 6379;

    /// <summary>Directory of the append-only file and checkpoints; what survives a restart.</summary>
    public string DataPath { get; set; } = "data/garnet";
}
