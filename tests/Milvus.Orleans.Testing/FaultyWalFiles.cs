using Microsoft.Win32.SafeHandles;
using Milvus.Orleans.Wal.Storage;

namespace Milvus.Orleans.Testing;

/// <summary>A storage fault a local log can meet.</summary>
public enum WalFault
{
    /// <summary>Everything works.</summary>
    None,

    /// <summary><c>fdatasync</c> and <c>fsync</c> fail with EIO (what the kernel reports after a failed write-back).</summary>
    FailedSync,

    /// <summary>The disk is full: a write reaches the file half-way, and preallocating fails.</summary>
    DiskFull,
}

/// <summary>The operating system's file calls for a local log, but for the fault a test turns on.</summary>
public sealed class FaultyWalFiles : WalFiles
{
    private volatile WalFault _fault;

    /// <summary>The fault now in force.</summary>
    public WalFault Fault
    {
        get => _fault;
        set => _fault = value;
    }

    public override void Write(SafeFileHandle file, ReadOnlySpan<byte> bytes, long offset)
    {
        if (Fault == WalFault.DiskFull)
        {
            base.Write(file, bytes[..(bytes.Length / 2)], offset);
            throw new IOException("No space left on device");
        }

        base.Write(file, bytes, offset);
    }

    public override void SyncData(SafeFileHandle file)
    {
        if (Fault == WalFault.FailedSync)
        {
            throw new IOException("fdatasync failed: errno 5.");
        }

        base.SyncData(file);
    }

    public override void Sync(SafeFileHandle file)
    {
        if (Fault == WalFault.FailedSync)
        {
            throw new IOException("fsync failed: errno 5.");
        }

        base.Sync(file);
    }

    public override void Preallocate(SafeFileHandle file, long length)
    {
        if (Fault == WalFault.DiskFull)
        {
            throw new IOException("fallocate failed: No space left on device.");
        }

        base.Preallocate(file, length);
    }
}
