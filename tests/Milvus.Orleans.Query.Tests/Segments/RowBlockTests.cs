using Milvus.Orleans.Data;
using Milvus.Orleans.Query.Segments;
using Milvus.Orleans.Schema;

namespace Milvus.Orleans.Query.Tests.Segments;

public sealed class RowBlockTests
{
    private const long Now = 1_800_000_000_000;

    private static readonly long[] Written = [Ts(Now - 10_000), Ts(Now - 3_000), Ts(Now)];

    [Fact]
    public void Visible_WhenTheSchemaHasATtl_HidesRowsWrittenMoreThanItBeforeTheRead()
    {
        var block = Block(ttlSeconds: 5);

        Assert.Equal([false, true, true], Rows(block, Ts(Now, logical: 5)));
        Assert.Equal([true, false, false], Rows(block, Ts(Now - 6_000)));
        Assert.Equal([false, false, false], Rows(block, Ts(Now + 9_000)));
    }

    [Fact]
    public void Visible_WhenTheSchemaHasNoTtl_ShowsEveryRowWrittenByTheRead()
    {
        var block = Block(ttlSeconds: 0);

        Assert.Equal([true, true, true], Rows(block, Ts(Now + 86_400_000)));
        Assert.Equal([true, false, false], Rows(block, Ts(Now - 6_000)));
    }

    private static RowBlock Block(int ttlSeconds) => RowBlock.Sealed(
        new CollectionSchema("aging", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("v", 1)], TtlSeconds: ttlSeconds),
        new RowBatch([FieldColumn.Int64("id", [1, 2, 3]), FieldColumn.FloatVector("v", 1, [1, 2, 3])]),
        Written);

    private static bool[] Rows(RowBlock block, long readTs)
    {
        var visible = block.Visible(new DeleteLog(), readTs, filter: null);
        return [.. Enumerable.Range(0, block.Count).Select(visible)];
    }

    private static long Ts(long physicalMs, ulong logical = 0) => (long)HybridTimestamp.Compose(physicalMs, logical).Value;
}
