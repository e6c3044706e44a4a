using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Milvus.Orleans.Wal.Storage;

/// <summary>
/// The POSIX calls .NET does not expose: <c>flock</c>, which belongs to the open file (unlike the fcntl
/// locks behind <see cref="FileStream.Lock"/>, which are per process), so two writers in one process exclude
/// each other too, and the kernel releases a crashed process's locks; and <c>fsync</c> of a directory, which
/// makes a created or deleted segment file durable.
/// </summary>
internal static partial class FileLock
{
    private const int LockExclusive = 2;
    private const int Unlock = 8;
    private const int ReadOnly = 0;

    public static void Acquire(SafeFileHandle file) => Check(Flock(file, LockExclusive), "flock");

    public static void Release(SafeFileHandle file) => Check(Flock(file, Unlock), "flock unlock");

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

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(SafeFileHandle file);
}
