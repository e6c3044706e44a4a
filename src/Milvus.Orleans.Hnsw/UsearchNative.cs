using System.Runtime.InteropServices;

namespace Milvus.Orleans.Hnsw;

/// <summary>
/// USearch's C API (<c>usearch.h</c>), called directly: its managed wrapper grows the graph one row at a time and
/// hides the calls that let several threads add and search at once (reserve, thread counts).
/// </summary>
internal static partial class UsearchNative
{
    private const string Library = "libusearch_c";

    /// <summary><c>usearch_scalar_f32_k</c>: vectors are passed as 32-bit floats.</summary>
    public const uint Float32 = 1;

    /// <summary><c>usearch_init_options_t</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct InitOptions
    {
        public uint MetricKind;
        public nint Metric;
        public uint Quantization;
        public nuint Dimensions;
        public nuint Connectivity;
        public nuint ExpansionAdd;
        public nuint ExpansionSearch;
        public byte Multi;
    }

    [LibraryImport(Library, EntryPoint = "usearch_init")]
    public static partial GraphHandle Init(ref InitOptions options, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_free")]
    public static partial void Free(nint index, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_save", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void Save(GraphHandle index, string path, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_load", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void Load(GraphHandle index, string path, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_size")]
    public static partial nuint Size(GraphHandle index, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_reserve")]
    public static partial void Reserve(GraphHandle index, nuint capacity, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_change_threads_add")]
    public static partial void ChangeThreadsAdd(GraphHandle index, nuint threads, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_change_threads_search")]
    public static partial void ChangeThreadsSearch(GraphHandle index, nuint threads, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_remove")]
    public static partial nuint Remove(GraphHandle index, ulong key, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_add")]
    public static unsafe partial void Add(GraphHandle index, ulong key, float* vector, uint scalarKind, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_search")]
    public static unsafe partial nuint Search(nint index, float* query, uint scalarKind, nuint count, ulong* keys, float* distances, out nint error);

    /// <summary>Throws what the library reported, if anything.</summary>
    public static void Check(nint error, string operation)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"USearch could not {operation}: {Marshal.PtrToStringUTF8(error)}");
        }
    }
}

/// <summary>
/// A native graph. As a <see cref="SafeHandle"/> it counts the calls in flight, so a graph disposed while a search
/// runs is freed when that search returns, never under it.
/// </summary>
internal sealed class GraphHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        UsearchNative.Free(handle, out var error);
        // A search that reached a freed graph without holding it finds no pointer rather than freed memory.
        SetHandle(0);
        return error == 0;
    }
}
