using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Milvus.Orleans.Wal.Storage;

/// <summary>
/// Logs in process memory, for tests. Ids are the byte addresses the same records would have in a
/// file-backed log, so every back-end numbers records alike.
/// </summary>
public sealed class MemoryWalStorage : IWalStorage
{
    private readonly ConcurrentDictionary<string, MemoryLog> _logs = new(StringComparer.Ordinal);

    public ValueTask<IWalWriter> OpenWriterAsync(string log, long term, CancellationToken cancellationToken)
    {
        WalLogName.Validate(log);
        var memoryLog = _logs.GetOrAdd(log, static name => new MemoryLog(name));
        memoryLog.TakeOver(term);
        return ValueTask.FromResult<IWalWriter>(new Writer(memoryLog, term));
    }

    public async IAsyncEnumerable<WalRecord> ReadAsync(
        string log, WalPosition from, bool follow, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        WalLogName.Validate(log);
        var memoryLog = _logs.GetOrAdd(log, static name => new MemoryLog(name));
        var next = from;
        while (true)
        {
            var appended = memoryLog.Signal.Next;
            foreach (var record in memoryLog.ReadFrom(next))
            {
                yield return record;
                next = record.Next;
            }

            if (!follow)
            {
                yield break;
            }

            await appended.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed class MemoryLog(string name)
    {
        private readonly Lock _lock = new();
        private readonly List<WalRecord> _records = [];
        private long _term;
        private WalPosition _end = WalPosition.Start;

        public string Name { get; } = name;

        public AppendSignal Signal { get; } = new();

        public WalPosition End
        {
            get
            {
                lock (_lock)
                {
                    return _end;
                }
            }
        }

        public void TakeOver(long term)
        {
            lock (_lock)
            {
                if (term < _term)
                {
                    throw new WalFencedException(Name, term, _term);
                }

                _term = term;
            }
        }

        public WalPosition[] Append(long term, IReadOnlyList<WalEntry> entries)
        {
            var ids = new WalPosition[entries.Count];
            lock (_lock)
            {
                if (term != _term)
                {
                    throw new WalFencedException(Name, term, _term);
                }

                for (var i = 0; i < entries.Count; i++)
                {
                    var next = new WalPosition(_end.Value + WalFrame.SizeOf(entries[i].Payload.Length));
                    _records.Add(new WalRecord(_end, next, entries[i].Type, entries[i].Payload.ToArray()));
                    ids[i] = _end;
                    _end = next;
                }
            }

            Signal.Pulse();
            return ids;
        }

        public void Truncate(long term, WalPosition upTo)
        {
            lock (_lock)
            {
                if (term != _term)
                {
                    throw new WalFencedException(Name, term, _term);
                }

                _records.RemoveAll(r => r.Next <= upTo);
            }
        }

        public List<WalRecord> ReadFrom(WalPosition from)
        {
            lock (_lock)
            {
                return _records.FindAll(r => r.Id >= from);
            }
        }
    }

    private sealed class Writer(MemoryLog log, long term) : IWalWriter
    {
        public string Log => log.Name;

        public long Term => term;

        public WalPosition DurableEnd => log.End;

        public ValueTask<IReadOnlyList<WalPosition>> AppendAsync(IReadOnlyList<WalEntry> entries, CancellationToken cancellationToken)
        {
            WalEntries.Validate(entries);
            return ValueTask.FromResult<IReadOnlyList<WalPosition>>(log.Append(term, entries));
        }

        public ValueTask TruncateAsync(WalPosition upTo, CancellationToken cancellationToken)
        {
            log.Truncate(term, upTo);
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
