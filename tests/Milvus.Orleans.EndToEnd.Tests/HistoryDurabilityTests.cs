using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Aspire.Hosting.Testing;
using Azure.Storage.Blobs;
using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.EndToEnd.Tests;

/// <summary>Rows through the AppHost into history, across a stop of every silo and a start of the whole AppHost.</summary>
public sealed class HistoryDurabilityTests
{
    private const int Dimension = 128;
    private const int BatchRows = 1_000;
    private const int UnflushedRows = 2_000;
    private static readonly string[] Collections = ["first", "second", "third"];

    // 200,000 rows and 10,000 deletes over the three collections.
    private static readonly int[] Rows = [66_668, 66_666, 66_666];
    private static readonly int[] Deletes = [3_334, 3_333, 3_333];

    [Fact]
    public async Task History_WhenEverySiloStopsAndTheAppHostStartsAgain_HoldsEveryRowOnceWithItsVectorAndNoDeletedRow()
    {
        using var scope = new TestScope(TimeSpan.FromMinutes(12), TestContext.Current.CancellationToken);
        var ct = scope.Token;
        var expected = new Dictionary<string, SortedSet<long>>();
        var expectedDeleted = new Dictionary<string, long[]>();
        var infos = new Dictionary<string, CollectionInfo>();
        await using (var first = await AppHostRun.StartAsync(scope.DataPath, ct))
        {
            await first.WaitForActiveSilosAsync(AppHostRun.Silos, TimeSpan.FromSeconds(60), ct);
            foreach (var (name, index) in Collections.Select((n, i) => (n, i)))
            {
                infos[name] = await first.Client.CreateCollectionAsync(
                    new CollectionSchema(name, [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], ShardCount: 2), ct);
                var offset = index * 1_000_000L;
                await InsertAsync(first, name, offset, Rows[index], ct);
                var deleted = Enumerable.Range(0, Deletes[index]).Select(i => offset + (i * 20L)).ToArray();
                await first.Client.DeleteAsync(name, PrimaryKeys.Of(deleted), cancellationToken: ct);
                expectedDeleted[name] = deleted;
                expected[name] = [.. Enumerable.Range(0, Rows[index]).Select(i => offset + i).Except(deleted)];
            }

            await first.Client.FlushAsync(ct);
            // Written after the flush: only the log holds these when the silos stop.
            foreach (var (name, index) in Collections.Select((n, i) => (n, i)))
            {
                var offset = (index * 1_000_000L) + 500_000;
                await InsertAsync(first, name, offset, UnflushedRows, ct);
                expected[name].UnionWith(Enumerable.Range(0, UnflushedRows).Select(i => offset + i));
            }

            foreach (var replica in await first.GetSiloReplicasAsync(ct))
            {
                await first.StopReplicaAsync(replica.ResourceId, ct);
            }
        }

        await using var second = await AppHostRun.StartAsync(scope.DataPath, ct);
        await second.WaitForActiveSilosAsync(AppHostRun.Silos, TimeSpan.FromSeconds(60), ct);
        await second.Client.FlushAsync(ct);
        var container = new BlobServiceClient(await second.App.GetConnectionStringAsync("blobs", ct)).GetBlobContainerClient("history");
        foreach (var name in Collections)
        {
            var history = await HistoryContents.ReadAsync(container, infos[name], ct);
            var live = history.LiveRows;
            Assert.Equal(expected[name].Count, live.Count);
            Assert.Equal(expectedDeleted[name], history.Deletes.Select(d => d.Key).Distinct().Order());
            Assert.Equal(expected[name], live.Select(r => r.Key));
            Assert.Equal(Checksum(expected[name].Select(k => (k, Vector(k)))), Checksum(live.Select(r => (r.Key, r.Vector))));
        }
    }

    private static async Task InsertAsync(AppHostRun run, string collection, long firstKey, int rows, CancellationToken cancellationToken)
    {
        var next = firstKey;
        var end = firstKey + rows;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            for (var start = Interlocked.Add(ref next, BatchRows) - BatchRows; start < end; start = Interlocked.Add(ref next, BatchRows) - BatchRows)
            {
                var keys = Enumerable.Range(0, (int)Math.Min(BatchRows, end - start)).Select(i => start + i).ToArray();
                await run.Client.InsertAsync(collection, new RowBatch([FieldColumn.Int64("id", keys), FieldColumn.FloatVector("vec", Dimension, [.. keys.SelectMany(Vector)])]), cancellationToken: cancellationToken);
            }
        }));
    }

    /// <summary>A vector made from its key, so the expected data needs no copy.</summary>
    private static float[] Vector(long key) => [.. Enumerable.Range(0, Dimension).Select(j => ((key * 31) + j) % 997 / 997f)];

    /// <summary>XxHash64 over (key, vector bytes) in key order.</summary>
    private static ulong Checksum(IEnumerable<(long Key, float[] Vector)> rows)
    {
        var hash = new XxHash64();
        Span<byte> key = stackalloc byte[sizeof(long)];
        foreach (var (k, vector) in rows)
        {
            BinaryPrimitives.WriteInt64LittleEndian(key, k);
            hash.Append(key);
            hash.Append(MemoryMarshal.AsBytes(vector.AsSpan()));
        }

        return hash.GetCurrentHashAsUInt64();
    }
}
