using System.Text.Json;
using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Gateway.Rest;

/// <summary>
/// What a read returns per row, as the request's <c>outputFields</c> name it: <c>*</c> for every field; a field of the
/// schema; in a dynamic collection, any other name is a key of the dynamic field, written as a field of the row.
/// </summary>
internal sealed class OutputFields
{
    private readonly HashSet<string> _dynamicKeys;
    private readonly bool _allDynamicKeys;
    private readonly HashSet<string> _declared;

    private OutputFields(IReadOnlyList<string> fields, HashSet<string> dynamicKeys, bool allDynamicKeys, HashSet<string> declared)
    {
        Fields = fields;
        _dynamicKeys = dynamicKeys;
        _allDynamicKeys = allDynamicKeys;
        _declared = declared;
    }

    /// <summary>The fields to ask the service for (the primary key comes always).</summary>
    public IReadOnlyList<string> Fields { get; }

    public static OutputFields Of(CollectionSchema schema, IReadOnlyList<string>? requested, IReadOnlyList<string> whenAbsent)
    {
        var names = requested ?? whenAbsent;
        var all = names.Contains("*");
        var fields = new List<string>();
        var dynamicKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in all ? schema.Fields.Where(f => !f.IsPrimaryKey).Select(f => f.Name) : names)
        {
            if (schema.Field(name) is { } field)
            {
                if (!field.IsPrimaryKey && !fields.Contains(name))
                {
                    fields.Add(name);
                }
            }
            else if (schema.EnableDynamicField)
            {
                dynamicKeys.Add(name);
            }
            else
            {
                throw RestException.Invalid($"output field '{name}' does not exist in collection '{schema.Name}' (fields: {string.Join(", ", schema.DeclaredFields.Select(f => f.Name))})");
            }
        }

        if (dynamicKeys.Count > 0 && !fields.Contains(CollectionSchema.DynamicFieldName))
        {
            fields.Add(CollectionSchema.DynamicFieldName);
        }

        return new(fields, dynamicKeys, all, [.. schema.DeclaredFields.Select(f => f.Name)]);
    }

    /// <summary>Writes row <paramref name="row"/>'s fields as properties; the dynamic field's keys as fields of their own.</summary>
    public void WriteFields(Utf8JsonWriter writer, RowBatch rows, int row, bool int64AsString)
    {
        foreach (var column in rows.Columns)
        {
            if (column.Name != CollectionSchema.DynamicFieldName)
            {
                writer.WritePropertyName(column.Name);
                RowJson.WriteValue(writer, column, row, int64AsString);
                continue;
            }

            using var document = JsonDocument.Parse(((string[])column.Values)[row]);
            foreach (var key in document.RootElement.EnumerateObject())
            {
                if ((_allDynamicKeys || _dynamicKeys.Contains(key.Name)) && !_declared.Contains(key.Name))
                {
                    key.WriteTo(writer);
                }
            }
        }
    }

    /// <summary>Writes each row as an object of its fields.</summary>
    public void WriteRows(Utf8JsonWriter writer, RowBatch rows, bool int64AsString)
    {
        writer.WriteStartArray();
        for (var row = 0; row < rows.RowCount; row++)
        {
            writer.WriteStartObject();
            WriteFields(writer, rows, row, int64AsString);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
