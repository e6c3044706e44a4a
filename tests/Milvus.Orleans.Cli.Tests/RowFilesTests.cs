using System.Buffers.Binary;
using System.Text;
using Milvus.Orleans.Cli.Files;
using Milvus.Orleans.Data;
using Milvus.Orleans.History.Segments;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Cli.Tests;

public sealed class RowFilesTests : IDisposable
{
    private static readonly CollectionSchema Vectors = new("vectors", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", 3)]);

    private static readonly CollectionSchema Mixed = new(
        "mixed",
        [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", 2), FieldSchema.Scalar("title", DataType.VarChar, 16), FieldSchema.Scalar("rank", DataType.Int32), FieldSchema.Scalar("meta", DataType.Json)]);

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("milvus-cli-");

    [Fact]
    public async Task ReadAsync_OfAnFvecsFile_NumbersFiveVectorsFromTheFirstKeyInBatchesOfTwo()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_folder.FullName, "v.fvecs");
        await using (var file = File.Create(path))
        {
            for (var v = 0; v < 5; v++)
            {
                var record = new byte[16];
                BinaryPrimitives.WriteInt32LittleEndian(record, 3);
                for (var i = 0; i < 3; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(record.AsSpan(4 + (4 * i)), (v * 10) + i);
                }

                await file.WriteAsync(record, ct);
            }
        }

        var batches = await RowFiles.ReadAsync(path, Vectors, 2, firstKey: 100, ct).ToListAsync(ct);

        Assert.Equal(5, await RowFiles.CountRowsAsync(path, Vectors, ct));
        Assert.Equal([2, 2, 1], batches.Select(b => b.RowCount));
        Assert.Equal([100L, 101, 102, 103, 104], batches.SelectMany(b => (long[])b.Column("id")!.Values));
        Assert.Equal([40f, 41, 42], (float[])batches[2].Column("vec")!.Values);
    }

    [Fact]
    public async Task ReadAsync_OfAnNpyFile_ReadsItsFloat32Matrix()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_folder.FullName, "v.npy");
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 3), }";
        header = header.PadRight(64 - 10 - 1) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
        bytes.AddRange([1, 0, (byte)header.Length, 0]);
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        for (var i = 0; i < 12; i++)
        {
            var value = new byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(value, i / 2f);
            bytes.AddRange(value);
        }

        await File.WriteAllBytesAsync(path, [.. bytes], ct);

        var rows = Assert.Single(await RowFiles.ReadAsync(path, Vectors, 10, firstKey: 0, ct).ToListAsync(ct));

        Assert.Equal(4, await RowFiles.CountRowsAsync(path, Vectors, ct));
        Assert.Equal([0L, 1, 2, 3], (long[])rows.Column("id")!.Values);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => i / 2f), (float[])rows.Column("vec")!.Values);
    }

    [Fact]
    public async Task ReadAsync_OfJsonLines_ReadsEachFieldByItsType()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_folder.FullName, "rows.jsonl");
        await File.WriteAllLinesAsync(
            path,
            [
                """{"id": 7, "vec": [0.5, 1.5], "title": "seven", "rank": 3, "meta": {"k": [1, 2]}}""",
                string.Empty,
                """{"id": 8, "vec": [2, 3], "title": "eight", "rank": -1, "meta": null}""",
            ],
            ct);

        var rows = Assert.Single(await RowFiles.ReadAsync(path, Mixed, 10, firstKey: 0, ct).ToListAsync(ct));

        rows.Validate(Mixed);
        Assert.Equal(2, await RowFiles.CountRowsAsync(path, Mixed, ct));
        Assert.Equal([7L, 8], (long[])rows.Column("id")!.Values);
        Assert.Equal([0.5f, 1.5f, 2, 3], (float[])rows.Column("vec")!.Values);
        Assert.Equal(["seven", "eight"], (string[])rows.Column("title")!.Values);
        Assert.Equal([3, -1], (int[])rows.Column("rank")!.Values);
        Assert.Equal(["""{"k": [1, 2]}""", "null"], (string[])rows.Column("meta")!.Values);
    }

    [Fact]
    public async Task ReadAsync_OfParquetWithAColumnPerField_ReadsTheRows()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_folder.FullName, "rows.parquet");
        var written = new RowBatch(
        [
            FieldColumn.Int64("id", [1, 2, 3]),
            FieldColumn.FloatVector("vec", 2, [1, 2, 3, 4, 5, 6]),
            FieldColumn.VarChar("title", ["a", "b", "c"]),
            FieldColumn.Int32("rank", [10, 20, 30]),
            FieldColumn.Json("meta", ["{}", "[]", "1"]),
        ]);
        await using (var file = File.Create(path))
        {
            await SegmentParquet.WriteAsync(file, Mixed.Fields, written, [1, 1, 1], ct);
        }

        var rows = Assert.Single(await RowFiles.ReadAsync(path, Mixed, 10, firstKey: 0, ct).ToListAsync(ct));

        Assert.Equal(3, await RowFiles.CountRowsAsync(path, Mixed, ct));
        Assert.Equal([1L, 2, 3], (long[])rows.Column("id")!.Values);
        Assert.Equal([1f, 2, 3, 4, 5, 6], (float[])rows.Column("vec")!.Values);
        Assert.Equal(["a", "b", "c"], (string[])rows.Column("title")!.Values);
    }

    [Fact]
    public async Task ReadAsync_OfABadFile_FailsWithAMessageThatNamesTheProblem()
    {
        var ct = TestContext.Current.CancellationToken;
        var csv = Path.Combine(_folder.FullName, "rows.csv");
        var wrongDimension = Path.Combine(_folder.FullName, "wide.fvecs");
        var missingField = Path.Combine(_folder.FullName, "short.jsonl");
        await File.WriteAllTextAsync(csv, "id,vec", ct);
        var record = new byte[4 + 16];
        BinaryPrimitives.WriteInt32LittleEndian(record, 4);
        await File.WriteAllBytesAsync(wrongDimension, record, ct);
        await File.WriteAllLinesAsync(missingField, ["""{"id": 1, "vec": [1, 2]}"""], ct);

        var unsupported = await Assert.ThrowsAsync<MilvusException>(() => RowFiles.ReadAsync(csv, Vectors, 10, 0, ct).ToListAsync(ct).AsTask());
        var dimension = await Assert.ThrowsAsync<MilvusException>(() => RowFiles.ReadAsync(wrongDimension, Vectors, 10, 0, ct).ToListAsync(ct).AsTask());
        var missing = await Assert.ThrowsAsync<MilvusException>(() => RowFiles.ReadAsync(missingField, Mixed, 10, 0, ct).ToListAsync(ct).AsTask());
        var scalars = await Assert.ThrowsAsync<MilvusException>(() => RowFiles.ReadAsync(wrongDimension, Mixed, 10, 0, ct).ToListAsync(ct).AsTask());

        Assert.Equal($"'{csv}': .csv is not a format milvus-orleans imports; use .parquet, .npy, .fvecs or .jsonl.", unsupported.Message);
        Assert.Equal($"'{wrongDimension}' vector 0 has dimension 4 (16 bytes); field 'vec' has 3.", dimension.Message);
        Assert.Equal($"'{missingField}' line 1 has no 'title' (VarChar).", missing.Message);
        Assert.Equal(ErrorCode.FieldMismatch, scalars.Code);
    }

    [Theory]
    [InlineData("ragged.jsonl", "{\"id\": 1, \"vec\": [1, 2], \"title\": \"a\", \"rank\": 1, \"meta\": 1}\n{\"id\": 2, \"vec\": [1, 2, 3], \"title\": \"b\", \"rank\": 2, \"meta\": 2}", ErrorCode.DimensionMismatch, "line 2: 'vec' has 3 values; the field has dimension 2.")]
    [InlineData("cut.jsonl", "{\"id\": 1, \"vec\": [1, 2]", ErrorCode.InvalidArgument, "line 1 is not JSON: ")]
    [InlineData("array.jsonl", "[1, 2]", ErrorCode.InvalidArgument, "line 1 is not a JSON object, one row with a member per field.")]
    [InlineData("null.jsonl", "{\"id\": 1, \"vec\": [1, 2], \"title\": null, \"rank\": 1, \"meta\": 1}", ErrorCode.TypeMismatch, "line 1: 'title' is VarChar but holds null.")]
    [InlineData("text.jsonl", "{\"id\": \"one\", \"vec\": [1, 2], \"title\": \"a\", \"rank\": 1, \"meta\": 1}", ErrorCode.TypeMismatch, "line 1: 'id' is Int64 but holds \"one\".")]
    public async Task ReadAsync_OfMalformedJsonLines_FailsNamingTheLine(string name, string content, ErrorCode code, string problem)
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_folder.FullName, name);
        await File.WriteAllTextAsync(path, content, ct);

        var error = await Assert.ThrowsAsync<MilvusException>(() => RowFiles.ReadAsync(path, Mixed, 10, 0, ct).ToListAsync(ct).AsTask());

        Assert.Equal(code, error.Code);
        Assert.StartsWith($"'{path}' {problem}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 3), }", 12, "is cut short: its header says 4 × 3 floats, and it holds 44 bytes of data.")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3), }", 6, "is not a 2-D float32 C-order array")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 0), }", 0, "is not a 2-D float32 C-order array")]
    [InlineData(null, 0, "is not a .npy file: its header claims 65535 bytes.")]
    public async Task ReadAsync_OfAMalformedNpyFile_FailsNamingTheProblem(string? header, int floats, string problem)
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_folder.FullName, "bad.npy");
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
        if (header is null)
        {
            bytes.AddRange([1, 0, 0xFF, 0xFF, 0, 0]);
        }
        else
        {
            header = header.PadRight(64 - 10 - 1) + "\n";
            bytes.AddRange([1, 0, (byte)header.Length, 0]);
            bytes.AddRange(Encoding.ASCII.GetBytes(header));
            bytes.AddRange(new byte[(floats * 4) - (floats == 12 ? 4 : 0)]);
        }

        await File.WriteAllBytesAsync(path, [.. bytes], ct);

        var error = await Assert.ThrowsAsync<MilvusException>(() => RowFiles.ReadAsync(path, Vectors, 10, 0, ct).ToListAsync(ct).AsTask());

        Assert.Equal(ErrorCode.InvalidArgument, error.Code);
        Assert.StartsWith($"'{path}' {problem}", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
