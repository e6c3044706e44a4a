using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Milvus.Orleans.Benchmarks;

/// <summary>The disk's own limit: 4 KiB write + fdatasync on a preallocated file, one at a time.</summary>
internal static partial class DiskFsyncAnchor
{
    private const int BlockSize = 4096;
    private const long FileSize = 64L * 1024 * 1024;

    public static async Task<Measurement.Result> RunAsync(string directory, TimeSpan duration)
    {
        var path = Path.Combine(directory, "fsync-anchor");
        using var file = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, FileOptions.None, preallocationSize: FileSize);
        var zeros = new byte[1024 * 1024];
        for (long offset = 0; offset < FileSize; offset += zeros.Length)
        {
            RandomAccess.Write(file, zeros, offset);
        }

        RandomAccess.FlushToDisk(file);
        var block = new byte[BlockSize];
        Random.Shared.NextBytes(block);
        long next = 0;
        return await Measurement.RunAsync(1, duration, () =>
        {
            RandomAccess.Write(file, block, next);
            next = (next + BlockSize) % FileSize;
            if (Fdatasync(file) != 0)
            {
                throw new IOException($"fdatasync failed: errno {Marshal.GetLastPInvokeError()}");
            }

            return Task.CompletedTask;
        });
    }

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int Fdatasync(SafeFileHandle file);
}
