namespace Milvus.Orleans.Wal;

/// <summary>
/// Configuration section <c>Milvus:Wal</c>: the write-ahead log under every physical channel.
/// </summary>
public sealed class WalOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "Milvus:Wal";

    /// <summary>Whether writes go through the WAL; <c>false</c> writes to memory and history directly.</summary>
    public bool Enable { get; set; } = true;

    /// <summary>Whether recovery skips and counts a corrupt record (<c>true</c>) or stops with an error.</summary>
    public bool RecoveryErrorIgnore { get; set; } = true;

    /// <summary>Bound of write-ahead buffers and growing segments together, in MiB.</summary>
    public int BufferSizeMb { get; set; } = 256;

    /// <summary>Where the log lives.</summary>
    public WalStorageKind Storage { get; set; } = WalStorageKind.Local;

    /// <summary>Directory of the local log, shared by every silo so any silo can take any channel.</summary>
    public string Path { get; set; } = "data/wal";
}

/// <summary>The WAL storage back-ends.</summary>
public enum WalStorageKind
{
    /// <summary>Segment files on a directory every silo can reach.</summary>
    Local,

    /// <summary>Azure append blobs (zero local disk).</summary>
    Blob,

    /// <summary>Process memory; tests only.</summary>
    Memory,
}
