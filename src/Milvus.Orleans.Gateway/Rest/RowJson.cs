using System.Globalization;
using System.Text.Json;
using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Gateway.Rest;

/// <summary>Rows as the REST API carries them (an array of JSON objects, one per row) to and from column batches.</summary>
internal static class RowJson
{
    /// <summary>
    /// The rows of <paramref name="data"/> (an array of objects, or one object) as a batch of <paramref name="schema"/>'s
    /// fields: a field no row names is left out (an auto id, or an error the service reports); a field some rows name
    /// and others do not, a key the schema lacks, and a value of the wrong kind are <see cref="RestCode.InvalidInsertData"/>.
    /// </summary>
    public static RowBatch ToBatch(CollectionSchema schema, JsonElement data)
    {
        JsonElement[] rows = data.ValueKind switch
        {
            JsonValueKind.Array => [.. data.EnumerateArray()],
            JsonValueKind.Object => [data],
            _ => throw RestException.InsertData($"'data' must be an array of row objects, not {RestBody.Kind(data)}"),
        };
        if (rows.Length == 0)
        {
            throw RestException.InsertData("'data' holds no rows");
        }

        var dynamic = schema.EnableDynamicField ? new string[rows.Length] : null;
        for (var i = 0; i < rows.Length; i++)
        {
            if (rows[i].ValueKind != JsonValueKind.Object)
            {
                throw RestException.InsertData($"row {i} must be an object of field values, not {RestBody.Kind(rows[i])}");
            }

            var undeclared = rows[i].EnumerateObject().Where(p => schema.Field(p.Name) is not { IsDynamic: false }).ToList();
            foreach (var property in undeclared)
            {
                if (property.Name == CollectionSchema.DynamicFieldName)
                {
                    throw RestException.InsertData($"row {i} names '{property.Name}', which is reserved: give dynamic keys as fields of the row");
                }

                if (dynamic is null)
                {
                    throw RestException.InsertData(
                        $"row {i} has field '{property.Name}', which collection '{schema.Name}' does not have (fields: {string.Join(", ", schema.DeclaredFields.Select(f => f.Name))}; it has no dynamic field)");
                }
            }

            if (dynamic is not null)
            {
                dynamic[i] = DynamicObject(undeclared);
            }
        }

        var columns = new List<FieldColumn>(schema.Fields.Count);
        foreach (var field in schema.DeclaredFields)
        {
            var values = new JsonElement[rows.Length];
            var present = 0;
            for (var i = 0; i < rows.Length; i++)
            {
                if (rows[i].TryGetProperty(field.Name, out values[i]))
                {
                    present++;
                }
                else if (present > 0)
                {
                    throw RestException.InsertData($"row {i} has no value for field '{field.Name}', which earlier rows have");
                }
            }

            if (present == rows.Length)
            {
                columns.Add(Column(field, values));
            }
            else if (present > 0)
            {
                throw RestException.InsertData($"row 0 has no value for field '{field.Name}', which later rows have");
            }
        }

        if (dynamic is not null)
        {
            columns.Add(FieldColumn.Json(CollectionSchema.DynamicFieldName, dynamic));
        }

        return new RowBatch(columns);
    }

    /// <summary>The keys of a row the schema does not declare, as one JSON object: the row's dynamic field.</summary>
    private static string DynamicObject(List<JsonProperty> undeclared)
    {
        if (undeclared.Count == 0)
        {
            return "{}";
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in undeclared)
            {
                property.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// An Int64 value as a JSON number or as text: clients that cannot hold 64-bit integers send them as text, as the
    /// API sends them back (<c>Accept-Type-Allow-Int64: false</c>).
    /// </summary>
    public static bool TryGetInt64(JsonElement value, out long number)
    {
        number = 0;
        return value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetInt64(out number),
            JsonValueKind.String => long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number),
            _ => false,
        };
    }

    /// <summary>Writes row <paramref name="row"/>'s value of <paramref name="column"/>.</summary>
    public static void WriteValue(Utf8JsonWriter writer, FieldColumn column, int row, bool int64AsString)
    {
        switch (column.Values)
        {
            case long[] longs when int64AsString:
                writer.WriteStringValue(longs[row].ToString(CultureInfo.InvariantCulture));
                break;
            case long[] longs:
                writer.WriteNumberValue(longs[row]);
                break;
            case int[] ints:
                writer.WriteNumberValue(ints[row]);
                break;
            case bool[] bools:
                writer.WriteBooleanValue(bools[row]);
                break;
            case double[] doubles:
                writer.WriteNumberValue(doubles[row]);
                break;
            case float[] floats when column.Type == DataType.FloatVector:
                writer.WriteStartArray();
                foreach (var value in floats.AsSpan(row * column.Dimension, column.Dimension))
                {
                    writer.WriteNumberValue(value);
                }

                writer.WriteEndArray();
                break;
            case float[] floats:
                writer.WriteNumberValue(floats[row]);
                break;
            case string[] strings when column.Type == DataType.Json:
                writer.WriteRawValue(strings[row]);
                break;
            case string[] strings:
                writer.WriteStringValue(strings[row]);
                break;
            default:
                throw new InvalidOperationException($"Column '{column.Name}' holds {column.Values.GetType().Name}.");
        }
    }

    private static FieldColumn Column(FieldSchema field, JsonElement[] values) => field.Type switch
    {
        DataType.Bool => FieldColumn.Bool(field.Name, Convert(field, values, "true or false", v => v.ValueKind switch
        {
            JsonValueKind.True => (true, true),
            JsonValueKind.False => (true, false),
            _ => (false, false),
        })),
        DataType.Int32 => FieldColumn.Int32(field.Name, Convert(field, values, "a whole number in the Int32 range", v => v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) ? (true, n) : (false, 0))),
        DataType.Int64 => FieldColumn.Int64(field.Name, Convert(field, values, "a whole number in the Int64 range", v => (TryGetInt64(v, out var n), n))),
        DataType.Float => FieldColumn.Float(field.Name, Convert(field, values, "a number", v => v.ValueKind == JsonValueKind.Number && v.TryGetSingle(out var n) ? (true, n) : (false, 0f))),
        DataType.Double => FieldColumn.Double(field.Name, Convert(field, values, "a number", v => v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var n) ? (true, n) : (false, 0d))),
        DataType.VarChar => FieldColumn.VarChar(field.Name, Convert(field, values, "a string", v => (v.ValueKind == JsonValueKind.String, v.ValueKind == JsonValueKind.String ? v.GetString()! : ""))),
        DataType.Json => FieldColumn.Json(field.Name, Convert(field, values, "a JSON value", v => (true, v.GetRawText()))),
        DataType.FloatVector => FieldColumn.FloatVector(field.Name, field.Dimension, Vectors(field, values)),
        _ => throw new InvalidOperationException($"Field '{field.Name}' has type {field.Type}."),
    };

    private static T[] Convert<T>(FieldSchema field, JsonElement[] values, string expected, Func<JsonElement, (bool Ok, T Value)> convert)
    {
        var result = new T[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var (ok, value) = convert(values[i]);
            result[i] = ok ? value : throw RestException.InsertData($"row {i} field '{field.Name}' ({field.Type}) must be {expected}, not {Shown(values[i])}");
        }

        return result;
    }

    private static float[] Vectors(FieldSchema field, JsonElement[] values)
    {
        var result = new float[values.Length * field.Dimension];
        for (var i = 0; i < values.Length; i++)
        {
            var vector = values[i];
            if (vector.ValueKind != JsonValueKind.Array || vector.GetArrayLength() != field.Dimension)
            {
                throw RestException.InsertData(vector.ValueKind == JsonValueKind.Array
                    ? $"row {i} field '{field.Name}' has {vector.GetArrayLength()} values: the field's dimension is {field.Dimension}"
                    : $"row {i} field '{field.Name}' must be an array of {field.Dimension} numbers, not {RestBody.Kind(vector)}");
            }

            var offset = i * field.Dimension;
            foreach (var value in vector.EnumerateArray())
            {
                result[offset++] = value.ValueKind == JsonValueKind.Number && value.TryGetSingle(out var number) && float.IsFinite(number)
                    ? number
                    : throw RestException.InsertData($"row {i} field '{field.Name}' holds {Shown(value)}: expected finite numbers");
            }
        }

        return result;
    }

    private static string Shown(JsonElement value)
    {
        var text = value.GetRawText();
        return text.Length > 40 ? text[..40] + "…" : text;
    }
}
