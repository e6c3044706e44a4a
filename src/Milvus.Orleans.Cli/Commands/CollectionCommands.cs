using System.CommandLine;
using System.Globalization;
using Milvus.Orleans.Schema;
using Spectre.Console;

namespace Milvus.Orleans.Cli.Commands;

/// <summary><c>collections list|create|drop</c>.</summary>
internal static class CollectionCommands
{
    public static Command Create()
    {
        var list = new Command("list", "List the collections with their shards and fields.");
        list.SetAction((parse, ct) => ClusterConnection.RunAsync(parse, async (client, token) =>
        {
            var table = new Table().AddColumns("collection", "id", "shards", "fields");
            foreach (var name in await client.ListCollectionsAsync(token))
            {
                var info = await client.DescribeCollectionAsync(name, token);
                table.AddRow(
                    Markup.Escape(name),
                    info.Id.ToString(CultureInfo.InvariantCulture),
                    info.VChannels.Count.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(string.Join(", ", info.Schema.Fields.Select(Describe))));
            }

            AnsiConsole.Write(table);
        }, ct));

        var name = new Argument<string>("name") { Description = "The collection." };
        var dimension = new Option<int>("--dim") { Description = "Dimension of the vector field 'vec'.", DefaultValueFactory = _ => 128 };
        var metric = new Option<MetricType>("--metric") { Description = "L2, IP or Cosine.", DefaultValueFactory = _ => MetricType.L2 };
        var shards = new Option<int>("--shards") { Description = "Shards (vchannels).", DefaultValueFactory = _ => 2 };
        var autoId = new Option<bool>("--auto-id") { Description = "The service assigns the Int64 key 'id'." };
        var fields = new Option<string[]>("--field")
        {
            Description = "A scalar field as name:type[:maxLength], type one of Bool, Int32, Int64, Float, Double, VarChar, Json; repeatable.",
            AllowMultipleArgumentsPerToken = true,
        };
        fields.Validators.Add(result =>
        {
            foreach (var spec in result.GetValueOrDefault<string[]>() ?? [])
            {
                try
                {
                    Scalar(spec);
                }
                catch (MilvusException ex)
                {
                    result.AddError(ex.Message);
                }
            }
        });
        var create = new Command("create", "Create a collection: Int64 key 'id', FloatVector 'vec', and any scalar fields.") { name, dimension, metric, shards, autoId, fields };
        create.SetAction((parse, ct) => ClusterConnection.RunAsync(parse, async (client, token) =>
        {
            var schema = new CollectionSchema(
                parse.GetValue(name)!,
                [FieldSchema.Int64Key("id", parse.GetValue(autoId)), FieldSchema.FloatVector("vec", parse.GetValue(dimension), parse.GetValue(metric)), .. (parse.GetValue(fields) ?? []).Select(Scalar)],
                parse.GetValue(shards));
            var info = await client.CreateCollectionAsync(schema, token);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"created [bold]{info.Schema.Name}[/] (id {info.Id}) on {string.Join(", ", info.VChannels)}");
        }, ct));

        var dropName = new Argument<string>("name") { Description = "The collection." };
        var drop = new Command("drop", "Drop a collection.") { dropName };
        drop.SetAction((parse, ct) => ClusterConnection.RunAsync(parse, async (client, token) =>
        {
            await client.DropCollectionAsync(parse.GetValue(dropName)!, token);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"dropped [bold]{parse.GetValue(dropName)}[/]");
        }, ct));

        return new Command("collections", "Create, list and drop collections.") { list, create, drop };
    }

    private static string Describe(FieldSchema field) => field.Type switch
    {
        DataType.FloatVector => $"{field.Name} FloatVector({field.Dimension}, {field.Metric})",
        _ => $"{field.Name} {field.Type}{(field.IsPrimaryKey ? " key" : string.Empty)}{(field.AutoId ? " auto" : string.Empty)}",
    };

    private static FieldSchema Scalar(string spec)
    {
        var parts = spec.Split(':');
        if (parts.Length is < 2 or > 3 || parts[0].Length == 0
            || int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
            || !Enum.TryParse<DataType>(parts[1], ignoreCase: true, out var type) || !Enum.IsDefined(type) || type == DataType.FloatVector)
        {
            throw new MilvusException(
                ErrorCode.InvalidSchema,
                $"--field '{spec}' is not a scalar field: expected name:type[:maxLength], type one of Bool, Int32, Int64, Float, Double, VarChar, Json, as in title:VarChar:256.");
        }

        if (parts.Length == 3 && (type != DataType.VarChar || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            throw new MilvusException(ErrorCode.InvalidSchema, $"--field '{spec}': only a VarChar field takes a maxLength, and it is a whole number, as in title:VarChar:256.");
        }

        var maxLength = parts.Length == 3 ? int.Parse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture) : type == DataType.VarChar ? 256 : 0;
        return FieldSchema.Scalar(parts[0], type, maxLength);
    }
}
