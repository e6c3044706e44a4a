using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Codecs;
using Orleans.Serialization.WireProtocol;

namespace Milvus.Orleans.Data;

/// <summary>
/// Columns of numbers as one length-prefixed run of their little-endian bytes, in place of Orleans' array codec,
/// which writes a field header per element: a batch of 1,000 128-d vectors is one 512 KB copy instead of 128,000
/// codec calls, on every hop (client to grain, log record, replay, subscriber).
/// </summary>
/// <remarks>The bytes are the machine's own layout; every supported platform is little-endian.</remarks>
internal abstract class PrimitiveArrayCodec<T> : IFieldCodec<T[]>
    where T : unmanaged
{
    public void WriteField<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, [AllowNull] Type expectedType, [AllowNull] T[] value)
        where TBufferWriter : System.Buffers.IBufferWriter<byte>
    {
        if (ReferenceCodec.TryWriteReferenceField(ref writer, fieldIdDelta, expectedType, value))
        {
            return;
        }

        writer.WriteFieldHeader(fieldIdDelta, expectedType, typeof(T[]), WireType.LengthPrefixed);
        var bytes = MemoryMarshal.AsBytes(value.AsSpan());
        writer.WriteVarUInt32((uint)bytes.Length);
        writer.Write(bytes);
    }

    [return: MaybeNull]
    public T[] ReadValue<TInput>(ref Reader<TInput> reader, Field field)
    {
        if (field.WireType == WireType.Reference)
        {
            return ReferenceCodec.ReadReference<T[], TInput>(ref reader, field);
        }

        field.EnsureWireType(WireType.LengthPrefixed);
        var length = reader.ReadVarUInt32();
        if (length % (uint)Unsafe.SizeOf<T>() != 0)
        {
            throw new InvalidDataException($"A {typeof(T).Name}[] of {length} bytes is not a whole number of elements.");
        }

        reader.EnsureAvailable(length);
        var result = new T[length / (uint)Unsafe.SizeOf<T>()];
        reader.ReadBytes(MemoryMarshal.AsBytes(result.AsSpan()));
        ReferenceCodec.RecordObject(reader.Session, result);
        return result;
    }
}

/// <summary>Float and FloatVector columns.</summary>
[RegisterSerializer]
internal sealed class SingleArrayCodec : PrimitiveArrayCodec<float>;

/// <summary>Double columns.</summary>
[RegisterSerializer]
internal sealed class DoubleArrayCodec : PrimitiveArrayCodec<double>;

/// <summary>Int64 columns and primary keys.</summary>
[RegisterSerializer]
internal sealed class Int64ArrayCodec : PrimitiveArrayCodec<long>;

/// <summary>Int32 columns.</summary>
[RegisterSerializer]
internal sealed class Int32ArrayCodec : PrimitiveArrayCodec<int>;
