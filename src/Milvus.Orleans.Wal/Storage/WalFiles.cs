using Microsoft.Win32.SafeHandles;

namespace Milvus.Orleans.Wal.Storage;

/// <summary>
/// The writes a local log makes to its segment files, behind one seam: the operating system's (<see cref="System"/>),
/// or one that fails on purpose, so tests can show what a full disk or a failed <c>fdatasync</c> does to a log.
/// </summary>
public class WalFiles
{
    /// <summary>The operating system's calls.</summary>
    public static WalFiles System { get; } = new();

    /// <summary>Writes <paramref name="bytes"/> at <paramref name="offset"/> of <paramref name="file"/>.</summary>
    public virtual void Write(SafeFileHandle file, ReadOnlySpan<byte> bytes, long offset) => RandomAccess.Write(file, bytes, offset);

    /// <summary>Makes the file's data durable (<c>fdatasync</c>).</summary>
    public virtual void SyncData(SafeFileHandle file) => FileLock.SyncData(file);

    /// <summary>Makes the file's data and metadata, such as its size, durable (<c>fsync</c>).</summary>
    public virtual void Sync(SafeFileHandle file) => RandomAccess.FlushToDisk(file);

    /// <summary>Gives the file <paramref name="length"/> bytes of allocated, zeroed space (<c>fallocate</c>).</summary>
    public virtual void Preallocate(SafeFileHandle file, long length) => FileLock.Preallocate(file, length);
}
