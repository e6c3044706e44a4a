using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Data;

/// <summary>Primary keys to delete: Int64 or VarChar, matching the collection's key field.</summary>
[GenerateSerializer, Immutable]
public sealed class PrimaryKeys
{
    private PrimaryKeys(long[]? int64, string[]? varChar)
    {
        Int64 = int64;
        VarChar = varChar;
    }

    /// <summary>Int64 keys, or null.</summary>
    [Id(0)]
    public long[]? Int64 { get; }

    /// <summary>VarChar keys, or null.</summary>
    [Id(1)]
    public string[]? VarChar { get; }

    /// <summary>The keys: <see cref="Int64"/> or <see cref="VarChar"/>.</summary>
    public Array Values => (Array?)Int64 ?? VarChar!;

    /// <summary>How many keys.</summary>
    public int Count => Int64?.Length ?? VarChar!.Length;

    /// <summary>Approximate size on the wire and in the log.</summary>
    public long EstimatedBytes => Int64 is { } longs ? 8L * longs.Length : VarChar!.Sum(k => 4L + (2L * (k?.Length ?? 0)));

    /// <summary>The type of the keys.</summary>
    public DataType Type => Int64 is null ? DataType.VarChar : DataType.Int64;

    /// <summary>Int64 keys.</summary>
    public static PrimaryKeys Of(params long[] keys) => new(keys ?? throw new ArgumentNullException(nameof(keys)), null);

    /// <summary>VarChar keys.</summary>
    public static PrimaryKeys Of(params string[] keys) => new(null, keys ?? throw new ArgumentNullException(nameof(keys)));

    /// <summary>Keys <paramref name="start"/>..<paramref name="start"/>+<paramref name="count"/>.</summary>
    public PrimaryKeys Slice(int start, int count) =>
        Int64 is not null ? new(Int64.AsSpan(start, count).ToArray(), null) : new(null, VarChar.AsSpan(start, count).ToArray());

    /// <summary>The keys at <paramref name="indexes"/>, in that order.</summary>
    public PrimaryKeys Select(IReadOnlyList<int> indexes) =>
        Int64 is not null ? new([.. indexes.Select(i => Int64[i])], null) : new(null, [.. indexes.Select(i => VarChar![i])]);

    /// <summary>
    /// Throws unless there is at least one key, the keys have the type of the schema's primary key, and they fit in one
    /// request (<see cref="RowBatch.MaxRequestBytes"/>).
    /// </summary>
    public void Validate(CollectionSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        // Both arrays are null only in keys a client built without this type's factories.
        if ((Int64 is null && VarChar is null) || Count == 0)
        {
            throw new MilvusException(ErrorCode.EmptyBatch, $"Collection '{schema.Name}': no primary keys given; send at least one.");
        }

        if (EstimatedBytes > RowBatch.MaxRequestBytes)
        {
            throw new MilvusException(
                ErrorCode.MessageTooLarge,
                $"Collection '{schema.Name}': the keys are about {EstimatedBytes / (1024 * 1024)} MiB; at most {RowBatch.MaxRequestBytes / (1024 * 1024)} MiB per request.");
        }

        var key = schema.PrimaryKey;
        if (key.Type != Type)
        {
            throw new MilvusException(ErrorCode.TypeMismatch, $"Collection '{schema.Name}': primary key '{key.Name}' is {key.Type} but the keys are {Type}.");
        }

        if (VarChar is not null && VarChar.Any(k => k is null))
        {
            throw new MilvusException(ErrorCode.TypeMismatch, $"Collection '{schema.Name}': a VarChar key is null.");
        }
    }
}
