using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Milvus.Orleans.Wal.Storage;

/// <summary>
/// The POSIX calls .NET does not expose: <c>flock</c>, which belongs to the open file (unlike the fcntl
/// locks behind <see cref="FileStream.Lock"/>, which are per process), so two writers in one process exclude
/// each other too, and the kernel releases a crashed process's locks; <c>fsync</c> of a directory, which
/// makes a created or deleted segment file durable; <c>fdatasync</c> and <c>fallocate</c>, which together
/// keep a flush from committing file-size metadata on every append.
/// </summary>
internal static partial class FileLock
{
    private const int LockExclusive = 2;
    private const int Unlock = 8;
    private const int ReadOnly = 0;

    public static void Acquire(SafeFileHandle file) => Check(Flock(file, LockExclusive), "flock");

    public static void Release(SafeFileHandle file) => Check(Flock(file, Unlock), "flock unlock");

    /// <summary>Flushes a file's data (and its size, if it changed) without its other metadata.</summary>
    public static void SyncData(SafeFileHandle file) => Check(Fdatasync(file), "fdatasync");

    /// <summary>Gives the file <paramref name="length"/> bytes of allocated, zeroed space, so appends do not grow it.</summary>
    public static void Preallocate(SafeFileHandle file, long length) => Check(Fallocate(file, 0, 0, length), "fallocate");

    public static void SyncDirectory(string path)
    {
        var fd = Open(path, ReadOnly);
        Check(fd < 0 ? -1 : 0, $"open {path}");
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        Check(Fsync(handle), $"fsync {path}");
    }

    private static void Check(int result, string operation)
    {
        if (result != 0)
        {
            throw new IOException($"{operation} failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(SafeFileHandle file, int operation);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int Fdatasync(SafeFileHandle file);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int Fallocate(SafeFileHandle file, int mode, long offset, long length);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(SafeFileHandle file);
}
