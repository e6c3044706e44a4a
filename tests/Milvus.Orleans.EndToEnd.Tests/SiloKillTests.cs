using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Milvus.Orleans.Client;
using Milvus.Orleans.Data;
using Milvus.Orleans.Schema;
using Milvus.Orleans.Testing;

namespace Milvus.Orleans.EndToEnd.Tests;

/// <summary>
/// Three silo processes (the silo host as deployed) over Garnet and Azurite, SIGKILLed in turn: with the local WAL in
/// one directory they share, and with the WAL in append blobs, where each silo has a folder of its own and shares no disk.
/// </summary>
public sealed class SiloKillTests
{
    private const int Dimension = 8;
    private const int BatchRows = 50;
    /// <summary>Silos killed, one every <see cref="KillEvery"/>, while the writers insert (and one period more after the last).</summary>
    private const int Kills = 11;
    private static readonly TimeSpan KillEvery = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData("local")]
    [InlineData("blob")]
    public async Task InsertAsync_WhileASiloIsKilledEveryFiveSeconds_LeavesEveryAcknowledgedRowInHistoryExactlyOnce(string wal)
    {
        using var scope = new TestScope(TimeSpan.FromMinutes(8), TestContext.Current.CancellationToken);
        var ct = scope.Token;
        using var garnet = new EmbeddedGarnet();
        await using var azurite = await AzuriteServer.StartAsync();
        var clusterId = $"kill-{Guid.NewGuid():N}";
        var silos = new List<SiloProcess>();
        var folders = new List<string>();
        SiloProcess StartSilo()
        {
            folders.Add(Path.Combine(scope.DataPath, wal == "local" ? "wal" : $"silo-{folders.Count}"));
            var environment = SiloProcess.Environment(garnet.ConnectionString, azurite.ConnectionString, clusterId, folders[^1]);
            environment["Milvus__Wal__Storage"] = wal;
            return SiloProcess.Start(environment);
        }

        try
        {
            for (var i = 0; i < 3; i++)
            {
                silos.Add(StartSilo());
            }

            var clientBuilder = Host.CreateApplicationBuilder();
            clientBuilder.AddMilvusClient(o => (o.RedisConnectionString, o.ClusterId) = (garnet.ConnectionString, clusterId));
            using var clientHost = clientBuilder.Build();
            await clientHost.StartAsync(ct);
            // A request lost with a killed silo is sent again after 2 s rather than Orleans' 30 s; the retry carries
            // the same request id, so it is applied once.
            var client = new MilvusClient(clientHost.Services.GetRequiredService<IClusterClient>()) { AttemptTimeout = TimeSpan.FromSeconds(2), RetryDeadline = TimeSpan.FromSeconds(60) };
            var info = await TransientRetry.RunAsync(
                () => client.CreateCollectionAsync(new CollectionSchema("killed", [FieldSchema.Int64Key("id"), FieldSchema.FloatVector("vec", Dimension)], 4), ct),
                TimeSpan.FromSeconds(120), TimeProvider.System, ct);

            var acknowledged = new ConcurrentBag<long>();
            var failed = 0;
            var nextKey = 0L;
            var longestInsertMs = 0L;
            var killing = true;
            var writers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                while (Volatile.Read(ref killing))
                {
                    var first = Interlocked.Add(ref nextKey, BatchRows) - BatchRows;
                    var keys = Enumerable.Range(0, BatchRows).Select(i => first + i).ToArray();
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        await client.InsertAsync("killed", new RowBatch([FieldColumn.Int64("id", keys), FieldColumn.FloatVector("vec", Dimension, new float[BatchRows * Dimension])]), cancellationToken: ct);
                        foreach (var key in keys)
                        {
                            acknowledged.Add(key);
                        }
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        // Not acknowledged: it may or may not be in history, but at most once.
                        Interlocked.Increment(ref failed);
                    }

                    var tookMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    for (var longest = Interlocked.Read(ref longestInsertMs); tookMs > longest; longest = Interlocked.Read(ref longestInsertMs))
                    {
                        Interlocked.CompareExchange(ref longestInsertMs, tookMs, longest);
                    }
                }
            }, ct)).ToArray();

            // A count of kills, not a time window: a loaded machine restarts silos slower, and must still see every kill.
            var perPeriod = new List<int>();
            var killedOutputs = new List<string>();
            for (var kills = 0; kills < Kills; kills++)
            {
                await Task.Delay(KillEvery, ct);
                perPeriod.Add(acknowledged.Count - perPeriod.Sum());
                var victim = silos[kills % silos.Count];
                victim.Kill();
                killedOutputs.Add(victim.Output);
                silos.Remove(victim);
                victim.Dispose();
                silos.Add(StartSilo());
            }

            await Task.Delay(KillEvery, ct);
            Volatile.Write(ref killing, false);

            await Task.WhenAll(writers);
            perPeriod.Add(acknowledged.Count - perPeriod.Sum());
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"rows acknowledged per period: {string.Join(", ", perPeriod)}; {failed} inserts failed; longest insert {longestInsertMs} ms");
            await TransientRetry.RunAsync(() => client.FlushAsync(ct), TimeSpan.FromSeconds(120), TimeProvider.System, ct);
            var history = await HistoryContents.ReadAsync(azurite.Service.GetBlobContainerClient("history"), info, ct);

            Assert.True(
                acknowledged.Count >= 5_000,
                $"only {acknowledged.Count} rows acknowledged, {failed} inserts failed; the silos' last warnings:{Environment.NewLine}{LastWarnings([.. killedOutputs, .. silos.Select(s => s.Output)])}");
            var counts = history.LiveKeys.CountBy(k => k).ToDictionary();
            Assert.Equal([], counts.Where(c => c.Value > 1).Select(c => c.Key).Order());
            Assert.Equal([], acknowledged.Where(k => !counts.ContainsKey(k)).Order());
            if (wal == "blob")
            {
                // Every log is in the "wal" container; no silo wrote one to its own folder.
                var logs = new HashSet<string>();
                await foreach (var blob in azurite.Service.GetBlobContainerClient("wal").GetBlobsAsync(cancellationToken: ct))
                {
                    logs.Add(blob.Name.Split('/')[0]);
                }

                Assert.Equal(16, logs.Count);
                Assert.All(folders, folder => Assert.False(Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any(), folder));
            }
        }
        finally
        {
            foreach (var silo in silos)
            {
                silo.Dispose();
            }
        }
    }

    /// <summary>The last warnings and errors (with the line after each) of each silo's output, in the order the silos started, for a failure's message.</summary>
    private static string LastWarnings(IEnumerable<string> outputs)
    {
        var lines = outputs.SelectMany((output, silo) =>
        {
            var outputLines = output.Split('\n');
            return outputLines.Select((line, i) => (line, i))
                .Where(l => l.line.Contains("warn:", StringComparison.Ordinal) || l.line.Contains("fail:", StringComparison.Ordinal))
                .Select(l => $"silo {silo}: {l.line.Trim()} {(l.i + 1 < outputLines.Length ? outputLines[l.i + 1].Trim() : string.Empty)}")
                .TakeLast(6);
        });
        return string.Join(Environment.NewLine, lines);
    }
}
