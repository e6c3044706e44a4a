using System.CommandLine;
using System.Globalization;
using Milvus.Orleans.Cli.Files;
using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Query;
using Milvus.Orleans.Schema;
using Spectre.Console;

namespace Milvus.Orleans.Cli.Commands;

/// <summary><c>search</c>, <c>query</c> and <c>count</c>.</summary>
internal static class ReadCommands
{
    private static readonly Option<ConsistencyLevel> Consistency = new("--consistency")
    {
        Description = "Strong, Bounded, Session or Eventually.",
        DefaultValueFactory = _ => ConsistencyLevel.Bounded,
    };

    public static Command Search()
    {
        var collection = new Argument<string>("collection") { Description = "The collection." };
        var vectors = new Option<string[]>("--vector") { Description = "A query vector as comma-separated floats; repeatable.", AllowMultipleArgumentsPerToken = true };
        var queries = new Option<FileInfo?>("--queries") { Description = "Query vectors from a .npy or .fvecs file." };
        var topK = new Option<int>("--top-k") { Description = "Hits per query.", DefaultValueFactory = _ => 10 };
        var filter = new Option<string?>("--filter") { Description = "A filter expression, as in \"rank > 3 and title like 'a%'\"." };
        var output = new Option<string[]>("--output") { Description = "Fields to return with each hit.", AllowMultipleArgumentsPerToken = true };
        var ef = new Option<int>("--ef") { Description = "HNSW breadth of search (0: the service's default)." };
        var command = new Command("search", "Search the nearest rows of query vectors.") { collection, vectors, queries, topK, filter, output, ef, Consistency };
        command.SetAction((parse, ct) => ClusterConnection.RunAsync(parse, async (client, token) =>
        {
            var name = parse.GetValue(collection)!;
            var info = await client.DescribeCollectionAsync(name, token);
            var field = info.Schema.Fields.First(f => f.Type == DataType.FloatVector);
            var query = new List<float[]>((parse.GetValue(vectors) ?? []).Select(Parse));
            if (parse.GetValue(queries) is { } file)
            {
                var schema = new CollectionSchema("queries", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", field.Dimension)]);
                await foreach (var rows in RowFiles.ReadAsync(file.FullName, schema, 1_000, 0, token))
                {
                    var values = (float[])rows.Column("vec")!.Values;
                    query.AddRange(Enumerable.Range(0, rows.RowCount).Select(r => values.AsSpan(r * field.Dimension, field.Dimension).ToArray()));
                }
            }

            var fields = parse.GetValue(output) ?? [];
            var hits = await client.SearchAsync(name, query, parse.GetValue(topK), new SearchParameters(parse.GetValue(filter), fields, parse.GetValue(Consistency), Ef: parse.GetValue(ef)), token);
            for (var q = 0; q < hits.Count; q++)
            {
                var table = new Table().Title($"query {q}").AddColumns(["rank", "score", .. hits[q].Rows.Columns.Select(c => Markup.Escape(c.Name))]);
                for (var row = 0; row < hits[q].Scores.Length; row++)
                {
                    table.AddRow([(row + 1).ToString(CultureInfo.InvariantCulture), hits[q].Scores[row].ToString("G6", CultureInfo.InvariantCulture), .. hits[q].Rows.Columns.Select(c => Markup.Escape(Cell(c, row)))]);
                }

                AnsiConsole.Write(table);
            }
        }, ct));
        return command;
    }

    public static Command Query()
    {
        var collection = new Argument<string>("collection") { Description = "The collection." };
        var filter = new Option<string?>("--filter") { Description = "A filter expression; all rows when left out." };
        var output = new Option<string[]>("--output") { Description = "Fields to return besides the key.", AllowMultipleArgumentsPerToken = true };
        var limit = new Option<int>("--limit") { Description = "Rows returned.", DefaultValueFactory = _ => 20 };
        var offset = new Option<int>("--offset") { Description = "Rows skipped first (primary key order)." };
        var command = new Command("query", "Rows matching a filter, in primary key order.") { collection, filter, output, limit, offset, Consistency };
        command.SetAction((parse, ct) => ClusterConnection.RunAsync(parse, async (client, token) =>
        {
            var rows = await client.QueryAsync(
                parse.GetValue(collection)!,
                parse.GetValue(filter),
                new QueryParameters(parse.GetValue(output) ?? [], parse.GetValue(limit), parse.GetValue(offset), parse.GetValue(Consistency)),
                token);
            var table = new Table().AddColumns([.. rows.Columns.Select(c => Markup.Escape(c.Name))]);
            for (var row = 0; row < rows.RowCount; row++)
            {
                table.AddRow([.. rows.Columns.Select(c => Markup.Escape(Cell(c, row)))]);
            }

            AnsiConsole.Write(table);
        }, ct));
        return command;
    }

    public static Command Count()
    {
        var collection = new Argument<string>("collection") { Description = "The collection." };
        var filter = new Option<string?>("--filter") { Description = "A filter expression; all rows when left out." };
        var command = new Command("count", "How many rows match a filter: count(*).") { collection, filter, Consistency };
        command.SetAction((parse, ct) => ClusterConnection.RunAsync(parse, async (client, token) =>
            Console.WriteLine((await client.CountAsync(parse.GetValue(collection)!, parse.GetValue(filter), parse.GetValue(Consistency), cancellationToken: token)).ToString(CultureInfo.InvariantCulture)), ct));
        return command;
    }

    private static float[] Parse(string vector)
    {
        try
        {
            return [.. vector.Split(',').Select(v => float.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture))];
        }
        catch (FormatException)
        {
            throw new MilvusException(ErrorCode.InvalidVector, $"'{vector}' is not a vector: give comma-separated floats, as in 0.1,0.2,0.3.");
        }
    }

    private static string Cell(FieldColumn column, int row) => column.Values switch
    {
        float[] values when column.Type == DataType.FloatVector =>
            "[" + string.Join(", ", values.Skip(row * column.Dimension).Take(Math.Min(4, column.Dimension)).Select(v => v.ToString("G4", CultureInfo.InvariantCulture))) + (column.Dimension > 4 ? ", …]" : "]"),
        var values => Convert.ToString(values.GetValue(row), CultureInfo.InvariantCulture) ?? string.Empty,
    };
}
