using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData.ProviderServices;
using Milvus.Orleans.Data;

namespace Milvus.Orleans.VectorData;

/// <summary>
/// Moves records between their model (POCOs or dictionaries) and the service's columns: the key, each data property
/// and each vector under its storage name.
/// </summary>
internal sealed class RecordMapper(CollectionModel model)
{
    /// <summary>The fields a read returns besides the key: every data property, and the vectors when asked for.</summary>
    public IReadOnlyList<string> OutputFields(bool includeVectors) =>
        [.. model.DataProperties.Select(p => p.StorageName), .. includeVectors ? model.VectorProperties.Select(p => p.StorageName) : []];

    /// <summary>
    /// The columns of <paramref name="records"/>; a vector property that embeds its value takes it from
    /// <paramref name="generated"/> (by the property's position), the others from the record.
    /// </summary>
    public RowBatch ToRows<TRecord>(IReadOnlyList<TRecord> records, IReadOnlyList<Embedding>?[] generated)
        where TRecord : class
    {
        var columns = new List<FieldColumn> { KeyColumn(records.Select(r => model.KeyProperty.GetValueAsObject(r))) };
        foreach (var property in model.DataProperties)
        {
            columns.Add(DataColumn(property, records));
        }

        for (var v = 0; v < model.VectorProperties.Count; v++)
        {
            var property = model.VectorProperties[v];
            var values = new float[records.Count * property.Dimensions];
            for (var i = 0; i < records.Count; i++)
            {
                var vector = generated[v] is { } embeddings
                    ? ((Embedding<float>)embeddings[i]).Vector
                    : Vector(property, property.GetValueAsObject(records[i]!));
                if (vector.Length != property.Dimensions)
                {
                    throw new ArgumentException(
                        $"Vector property '{property.ModelName}' of record {i} has {vector.Length} values; the collection's field '{property.StorageName}' has {property.Dimensions} dimensions.",
                        nameof(records));
                }

                vector.Span.CopyTo(values.AsSpan(i * property.Dimensions));
            }

            columns.Add(FieldColumn.FloatVector(property.StorageName, property.Dimensions, values));
        }

        return new RowBatch(columns);
    }

    /// <summary>The service's keys for <paramref name="keys"/> (long, string or Guid, as the key property).</summary>
    public PrimaryKeys Keys(IEnumerable<object?> keys)
    {
        var column = KeyColumn(keys);
        return column.Values is long[] longs ? PrimaryKeys.Of(longs) : PrimaryKeys.Of((string[])column.Values);
    }

    /// <summary>Record <paramref name="row"/> of <paramref name="rows"/>, with its vectors when <paramref name="includeVectors"/>.</summary>
    public TRecord FromRow<TRecord>(RowBatch rows, int row, bool includeVectors)
    {
        var record = model.CreateRecord<TRecord>()!;
        var key = rows.Column(model.KeyProperty.StorageName)!.Values.GetValue(row);
        model.KeyProperty.SetValueAsObject(record, model.KeyProperty.Type == typeof(Guid) ? Guid.Parse((string)key!, CultureInfo.InvariantCulture) : key);
        foreach (var property in model.DataProperties)
        {
            property.SetValueAsObject(record, rows.Column(property.StorageName)?.Values.GetValue(row));
        }

        if (includeVectors)
        {
            foreach (var property in model.VectorProperties)
            {
                var column = rows.Column(property.StorageName)!;
                var vector = ((float[])column.Values).AsSpan(row * column.Dimension, column.Dimension).ToArray();
                property.SetValueAsObject(record, AsPropertyType(property, vector));
            }
        }

        return record;
    }

    /// <summary>A vector given as one of the supported types, or null when <paramref name="value"/> is none of them.</summary>
    public static ReadOnlyMemory<float>? AsVector(object? value) => value switch
    {
        ReadOnlyMemory<float> memory => memory,
        float[] array => array,
        Embedding<float> embedding => embedding.Vector,
        // Typed: a bare null would convert through float[] into an empty vector.
        _ => default(ReadOnlyMemory<float>?),
    };

    private FieldColumn KeyColumn(IEnumerable<object?> keys)
    {
        var key = model.KeyProperty;
        if (key.Type == typeof(long))
        {
            return FieldColumn.Int64(key.StorageName, [.. keys.Select(k => k as long? ?? throw BadKey(k))]);
        }

        return FieldColumn.VarChar(key.StorageName, [.. keys.Select(k => k switch
        {
            string text when key.Type == typeof(string) => text,
            Guid guid when key.Type == typeof(Guid) => guid.ToString("D"),
            _ => throw BadKey(k),
        })]);
    }

    private ArgumentException BadKey(object? key) =>
        new($"Key '{key ?? "null"}' ({key?.GetType().Name ?? "null"}) is not a {model.KeyProperty.Type.Name}, the type of key property '{model.KeyProperty.ModelName}'.");

    private static FieldColumn DataColumn<TRecord>(DataPropertyModel property, IReadOnlyList<TRecord> records)
        where TRecord : class
    {
        T[] Values<T>() => [.. records.Select((r, i) => property.GetValueAsObject(r) is T value
            ? value
            : throw new ArgumentException(
                $"Data property '{property.ModelName}' of record {i} is {(property.GetValueAsObject(r) is { } other ? other.GetType().Name : "null")}, not {typeof(T).Name}: the service stores no nulls.",
                nameof(records)))];
        var name = property.StorageName;
        var type = property.Type;
        return type == typeof(bool) ? FieldColumn.Bool(name, Values<bool>())
            : type == typeof(int) ? FieldColumn.Int32(name, Values<int>())
            : type == typeof(long) ? FieldColumn.Int64(name, Values<long>())
            : type == typeof(float) ? FieldColumn.Float(name, Values<float>())
            : type == typeof(double) ? FieldColumn.Double(name, Values<double>())
            : FieldColumn.VarChar(name, Values<string>());
    }

    private static ReadOnlyMemory<float> Vector(VectorPropertyModel property, object? value) =>
        AsVector(value) ?? throw new ArgumentException(
            $"Vector property '{property.ModelName}' holds {value?.GetType().Name ?? "null"}: expected {MilvusModelBuilder.SupportedVectorTypes}.");

    private static object AsPropertyType(VectorPropertyModel property, float[] vector)
    {
        var type = Nullable.GetUnderlyingType(property.Type) ?? property.Type;
        return type == typeof(float[]) ? vector
            : type == typeof(Embedding<float>) ? new Embedding<float>(vector)
            : type == typeof(ReadOnlyMemory<float>) ? new ReadOnlyMemory<float>(vector)
            : throw new NotSupportedException(
                $"Vector property '{property.ModelName}' is {property.Type.Name}, embedded on upsert: the stored vector cannot be given back as one (leave IncludeVectors off).");
    }
}
