using DuckDB.NET.Data;
using Milvus.Orleans.History.Segments;

namespace Milvus.Orleans.History.Tests;

public sealed class SegmentParquetTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("milvus-history-");

    [Theory]
    [InlineData(2_500)]
    [InlineData((2 * SegmentParquet.RowGroupRows) + 5)]
    public async Task ReadAsync_OfAWrittenSegmentOfOneOrSeveralRowGroups_ReturnsEveryColumnAndTimestampExactly(int count)
    {
        var ct = TestContext.Current.CancellationToken;
        var rows = SegmentRows.Rows(100, count);
        var timestamps = SegmentRows.Timestamps(count);
        using var stream = new MemoryStream();

        await SegmentParquet.WriteAsync(stream, SegmentRows.Schema.Fields, rows, timestamps, ct);
        stream.Position = 0;
        var (read, readTimestamps) = await SegmentParquet.ReadAsync(stream, SegmentRows.Schema.Fields, ct);

        Assert.Equal(timestamps, readTimestamps);
        Assert.Equal(rows.Columns.Select(c => (c.Name, c.Type, c.Dimension)), read.Columns.Select(c => (c.Name, c.Type, c.Dimension)));
        for (var i = 0; i < rows.Columns.Count; i++)
        {
            Assert.Equal(rows.Columns[i].Values.Cast<object>(), read.Columns[i].Values.Cast<object>());
        }
    }

    [Fact]
    public async Task WriteAsync_ProducesAFileDuckDbReadsWithTheSameRowsVectorsAndScalars()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_directory.FullName, "data.parquet");
        await using (var file = File.Create(path))
        {
            await SegmentParquet.WriteAsync(file, SegmentRows.Schema.Fields, SegmentRows.Rows(0, 1_000), SegmentRows.Timestamps(1_000), ct);
        }

        using var duck = new DuckDBConnection("Data Source=:memory:");
        await duck.OpenAsync(ct);

        Assert.Equal(1_000L, await ScalarAsync(duck, $"SELECT count(*) FROM read_parquet('{path}')", ct));
        Assert.Equal("FLOAT[]", await ScalarAsync(duck, $"SELECT typeof(vec) FROM read_parquet('{path}') LIMIT 1", ct));
        Assert.Equal(SegmentRows.Vector(777), ((System.Collections.IEnumerable)(await ScalarAsync(duck, $"SELECT vec FROM read_parquet('{path}') WHERE id = 777", ct))!).Cast<float>());
        Assert.Equal("row 777", await ScalarAsync(duck, $"SELECT title FROM read_parquet('{path}') WHERE id = 777", ct));
        Assert.Equal(388.5, await ScalarAsync(duck, $"SELECT score FROM read_parquet('{path}') WHERE id = 777", ct));
        Assert.Equal(777L, await ScalarAsync(duck, $"SELECT CAST(json_extract(meta, '$.k') AS BIGINT) FROM read_parquet('{path}') WHERE id = 777", ct));
        Assert.Equal(1_777L, await ScalarAsync(duck, $"SELECT \"$ts\" FROM read_parquet('{path}') WHERE id = 777", ct));
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private static async Task<object?> ScalarAsync(DuckDBConnection duck, string sql, CancellationToken ct)
    {
        using var command = duck.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(ct);
    }
}
