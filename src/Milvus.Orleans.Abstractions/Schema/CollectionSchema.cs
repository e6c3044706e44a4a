namespace Milvus.Orleans.Schema;

/// <summary>A collection's name, fields and number of shards (vchannels).</summary>
/// <param name="Name">Collection name (see <see cref="Names"/>).</param>
/// <param name="Fields">One primary key, at least one float vector, any scalar fields; names unique.</param>
/// <param name="ShardCount">Number of shards, 1..<see cref="MaxShards"/>; each is one vchannel.</param>
/// <param name="Description">Free text, at most <see cref="MaxDescriptionLength"/> characters.</param>
/// <param name="EnableDynamicField">
/// Rows may carry keys the schema does not name: they are kept in the Json field <see cref="DynamicFieldName"/>
/// (which the schema then has), and filters name them directly (<c>color == "red"</c>), as in Milvus.
/// </param>
/// <param name="TtlSeconds">
/// Milvus' <c>collection.ttl.seconds</c>: a read at timestamp <c>t</c> sees no row written more than this long before
/// <c>t</c>. 0: rows do not expire.
/// </param>
[GenerateSerializer, Immutable]
public sealed record CollectionSchema(
    [property: Id(0)] string Name,
    [property: Id(1)] IReadOnlyList<FieldSchema> Fields,
    [property: Id(2)] int ShardCount = 1,
    [property: Id(3)] string Description = "",
    [property: Id(4)] bool EnableDynamicField = false,
    [property: Id(5)] int TtlSeconds = 0)
{
    /// <summary>Longest time to live: ten years.</summary>
    public const int MaxTtlSeconds = 315_360_000;

    /// <summary>The Json field of a dynamic collection that holds each row's keys the schema does not name.</summary>
    public const string DynamicFieldName = "$meta";

    /// <summary>Most shards a collection may have.</summary>
    public const int MaxShards = 16;

    /// <summary>Most fields a collection may have.</summary>
    public const int MaxFields = 64;

    /// <summary>Longest description.</summary>
    public const int MaxDescriptionLength = 1_024;

    /// <summary>The primary key field.</summary>
    public FieldSchema PrimaryKey => Fields.First(f => f.IsPrimaryKey);

    /// <summary>The schema as text, also when it breaks a rule (no primary key, null fields): it is printed in logs and errors.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Name = ").Append(Name)
            .Append(", Fields = [").AppendJoin(", ", (Fields ?? []).Select(f => f is null ? "null" : $"{f.Name} {f.Type}")).Append(']')
            .Append(", ShardCount = ").Append(ShardCount)
            .Append(", Description = ").Append(Description?.Length > 40 ? Description[..40] + "…" : Description)
            .Append(", EnableDynamicField = ").Append(EnableDynamicField)
            .Append(", TtlSeconds = ").Append(TtlSeconds);
        return true;
    }

    /// <summary>The fields a user declared: all but <see cref="DynamicFieldName"/>.</summary>
    public IEnumerable<FieldSchema> DeclaredFields => Fields.Where(f => !f.IsDynamic);

    /// <summary>
    /// A schema of <paramref name="name"/> with <paramref name="fields"/> and, when <paramref name="enableDynamicField"/>,
    /// the dynamic field that keeps the keys rows carry beyond them.
    /// </summary>
    public static CollectionSchema Of(string name, IReadOnlyList<FieldSchema> fields, int shardCount = 1, bool enableDynamicField = false, string description = "") =>
        new(name, enableDynamicField ? [.. fields, FieldSchema.Dynamic] : fields, shardCount, description, enableDynamicField);

    /// <summary>The schema with field <paramref name="field"/> indexed by <paramref name="index"/> (none when null) under <paramref name="metric"/>.</summary>
    public CollectionSchema WithIndex(string field, VectorIndex? index, MetricType metric) =>
        this with { Fields = [.. Fields.Select(f => f.Name == field ? f with { Index = index, Metric = metric } : f)] };

    /// <summary>The field named <paramref name="name"/>, or null.</summary>
    public FieldSchema? Field(string name) => Fields.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal));

    /// <summary>Throws <see cref="ErrorCode.InvalidName"/> or <see cref="ErrorCode.InvalidSchema"/> naming the first broken rule.</summary>
    public void Validate()
    {
        Names.Validate("collection", Name);
        if (ShardCount is < 1 or > MaxShards)
        {
            throw Invalid($"ShardCount = {ShardCount}: allowed 1..{MaxShards}.");
        }

        if (TtlSeconds is < 0 or > MaxTtlSeconds)
        {
            throw Invalid($"TtlSeconds = {TtlSeconds}: allowed 0 (rows do not expire)..{MaxTtlSeconds}.");
        }

        if (Description is null || Description.Length > MaxDescriptionLength)
        {
            throw Invalid($"the description is {Description?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"} characters long: allowed 0..{MaxDescriptionLength}.");
        }

        if (Fields is null || Fields.Count == 0 || Fields.Count > MaxFields)
        {
            throw Invalid($"has {Fields?.Count ?? 0} fields: allowed 2..{MaxFields} (a primary key and a vector at least).");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in Fields)
        {
            if (field?.IsDynamic == true)
            {
                if (!EnableDynamicField || field != FieldSchema.Dynamic)
                {
                    throw Invalid($"field '{DynamicFieldName}' is reserved: a schema with EnableDynamicField has it as a Json field, and no other schema may.");
                }

                seen.Add(field.Name);
                continue;
            }

            Names.Validate("field", field?.Name);
            if (!seen.Add(field!.Name))
            {
                throw Invalid($"field '{field.Name}' appears twice; field names must be unique.");
            }

            ValidateField(field);
        }

        if (EnableDynamicField && Field(DynamicFieldName) is null)
        {
            throw Invalid($"has EnableDynamicField but no field '{DynamicFieldName}' to keep the dynamic keys in (see CollectionSchema.Of).");
        }

        if (Fields.Where(f => f.Index is not null).GroupBy(f => f.Index!.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } shared)
        {
            throw Invalid($"index name '{shared.Key}' is given to fields {string.Join(", ", shared.Select(f => $"'{f.Name}'"))}: index names must be unique.");
        }

        var keys = Fields.Count(f => f.IsPrimaryKey);
        if (keys != 1)
        {
            throw Invalid($"has {keys} primary key fields: expected exactly one (Int64 or VarChar).");
        }

        if (!Fields.Any(f => f.Type == DataType.FloatVector))
        {
            throw Invalid("has no FloatVector field: expected at least one.");
        }
    }

    private void ValidateField(FieldSchema field)
    {
        if (!Enum.IsDefined(field.Type))
        {
            throw Invalid($"field '{field.Name}' has unknown type {(int)field.Type}.");
        }

        if (field.IsPrimaryKey && field.Type is not (DataType.Int64 or DataType.VarChar))
        {
            throw Invalid($"primary key '{field.Name}' is {field.Type}: expected Int64 or VarChar.");
        }

        if (field.AutoId && !(field.IsPrimaryKey && field.Type == DataType.Int64))
        {
            throw Invalid($"field '{field.Name}' has AutoId: only an Int64 primary key may.");
        }

        if (field.Type == DataType.FloatVector)
        {
            if (field.Dimension is < 1 or > FieldSchema.MaxDimension)
            {
                throw Invalid($"vector field '{field.Name}' has dimension {field.Dimension}: allowed 1..{FieldSchema.MaxDimension}.");
            }

            if (!Enum.IsDefined(field.Metric))
            {
                throw Invalid($"vector field '{field.Name}' has metric {(int)field.Metric}: allowed L2, IP, Cosine.");
            }

            field.Index?.Validate(field.Name);
        }
        else if (field.Dimension != 0)
        {
            throw Invalid($"field '{field.Name}' is {field.Type} but has dimension {field.Dimension}: only vectors have one.");
        }
        else if (field.Index is not null)
        {
            throw Invalid($"field '{field.Name}' is {field.Type} but has index {field.Index}: only FloatVector fields are indexed.");
        }

        if (field.Type == DataType.VarChar && field.MaxLength is < 1 or > FieldSchema.MaxVarCharLength)
        {
            throw Invalid($"VarChar field '{field.Name}' has MaxLength {field.MaxLength}: allowed 1..{FieldSchema.MaxVarCharLength}.");
        }
    }

    private MilvusException Invalid(string problem) =>
        new(ErrorCode.InvalidSchema, $"Collection '{Name}': {problem}");
}
