using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Query.Search;

/// <summary>What a read returns of its rows: the primary key and the requested output fields.</summary>
internal static class HitRows
{
    /// <summary>The fields returned for <paramref name="outputFields"/> (none when null): the primary key first, each field once; unknown names fail.</summary>
    public static IReadOnlyList<FieldSchema> Fields(CollectionSchema schema, IReadOnlyList<string>? outputFields)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var fields = new List<FieldSchema> { schema.PrimaryKey };
        foreach (var name in outputFields ?? [])
        {
            var field = (name is null ? null : schema.Field(name))
                ?? throw new MilvusException(ErrorCode.FieldMismatch, $"Collection '{schema.Name}' has no field '{name}' to output.");
            if (!fields.Contains(field))
            {
                fields.Add(field);
            }
        }

        return fields;
    }

    /// <summary>The hits' rows with their scores, in hit order.</summary>
    public static SearchHits Of(IReadOnlyList<Hit> hits, IReadOnlyList<FieldSchema> fields)
    {
        ArgumentNullException.ThrowIfNull(hits);
        return new SearchHits(Rows(hits.Select(h => (h.Block.Rows, h.Row)), fields), [.. hits.Select(h => h.Score)]);
    }

    /// <summary>The given rows of their batches, projected on <paramref name="fields"/>, in order.</summary>
    public static RowBatch Rows(IEnumerable<(RowBatch Batch, int Row)> rows, IReadOnlyList<FieldSchema> fields)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(fields);
        var selected = rows.Select(r => new RowBatch([.. fields.Select(f => r.Batch.Column(f.Name)!)]).Select([r.Row])).ToArray();
        return selected.Length == 0 ? Empty(fields) : RowBatch.Concat(selected);
    }

    /// <summary>No rows, with the columns of <paramref name="fields"/>.</summary>
    public static RowBatch Empty(IReadOnlyList<FieldSchema> fields) => new([.. fields.Select(FieldColumn.Empty)]);
}
