using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Milvus.Orleans.Wal.Storage;

/// <summary>
/// Puts a <see cref="WriteAheadBuffer"/> in front of any storage: writers opened here feed their log's buffer
/// with every acknowledged record, and readers at the tail are served from it; readers behind it read storage
/// until they catch up. Logs without a writer here are read from storage directly.
/// </summary>
public sealed class BufferedWalStorage(IWalStorage inner, long capacityBytesPerLog, TimeSpan maxAge, TimeProvider? timeProvider = null) : IWalStorage
{
    private readonly ConcurrentDictionary<string, WriteAheadBuffer> _buffers = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <inheritdoc />
    public long MaxAppendBytes => inner.MaxAppendBytes;

    /// <summary>The buffer of <paramref name="log"/>, while a writer opened here holds it.</summary>
    public WriteAheadBuffer? Buffer(string log) => _buffers.TryGetValue(log, out var buffer) ? buffer : null;

    public async ValueTask<IWalWriter> OpenWriterAsync(string log, long term, CancellationToken cancellationToken)
    {
        var writer = await inner.OpenWriterAsync(log, term, cancellationToken).ConfigureAwait(false);
        var buffer = new WriteAheadBuffer(writer.DurableEnd, capacityBytesPerLog, maxAge, _time);
        var replaced = _buffers.TryGetValue(log, out var previous) ? previous : null;
        _buffers[log] = buffer;
        replaced?.Signal.Pulse();
        return new Writer(this, writer, buffer);
    }

    public async IAsyncEnumerable<WalRecord> ReadAsync(
        string log, WalPosition from, bool follow, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var next = from;
        while (true)
        {
            var buffer = Buffer(log);
            if (buffer is null)
            {
                // No writer here: storage knows the durable end (and how to follow a writer elsewhere).
                await foreach (var record in inner.ReadAsync(log, next, follow, cancellationToken).ConfigureAwait(false))
                {
                    yield return record;
                }

                yield break;
            }

            var appended = buffer.Signal.Next;
            var buffered = buffer.TryRead(next);
            if (buffered is null)
            {
                // Behind the buffer: read storage up to where the buffer takes over.
                var read = 0;
                await foreach (var record in inner.ReadAsync(log, next, follow: false, cancellationToken).ConfigureAwait(false))
                {
                    yield return record;
                    next = record.Next;
                    read++;
                    if (buffer.TryRead(next) is not null)
                    {
                        break;
                    }
                }

                WalMetrics.BufferMisses.Add(read);
                if (read > 0)
                {
                    continue;
                }
            }
            else if (buffered.Count > 0)
            {
                WalMetrics.BufferHits.Add(buffered.Count);
                foreach (var record in buffered)
                {
                    yield return record;
                }

                next = buffered[^1].Next;
                continue;
            }

            if (!follow)
            {
                yield break;
            }

            await appended.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void Forget(string log, WriteAheadBuffer buffer)
    {
        _buffers.TryRemove(new(log, buffer));
        buffer.Signal.Pulse();
    }

    private sealed class Writer(BufferedWalStorage storage, IWalWriter inner, WriteAheadBuffer buffer) : IWalWriter
    {
        public string Log => inner.Log;

        public long Term => inner.Term;

        public WalPosition DurableEnd => inner.DurableEnd;

        public async ValueTask<IReadOnlyList<WalPosition>> AppendAsync(IReadOnlyList<WalEntry> entries, CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp();
            var ids = await inner.AppendAsync(entries, cancellationToken).ConfigureAwait(false);
            var records = new WalRecord[ids.Count];
            for (var i = 0; i < ids.Count; i++)
            {
                var next = new WalPosition(ids[i].Value + WalFrame.SizeOf(entries[i].Payload.Length));
                // A copy: the caller may reuse its buffer once the append returns.
                records[i] = new WalRecord(ids[i], next, entries[i].Type, entries[i].Payload.ToArray());
            }

            buffer.Add(records);
            WalMetrics.AppendDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return ids;
        }

        public async ValueTask TruncateAsync(WalPosition upTo, CancellationToken cancellationToken)
        {
            await inner.TruncateAsync(upTo, cancellationToken).ConfigureAwait(false);
            buffer.DropBefore(upTo);
        }

        public async ValueTask DisposeAsync()
        {
            storage.Forget(Log, buffer);
            await inner.DisposeAsync().ConfigureAwait(false);
        }
    }
}
