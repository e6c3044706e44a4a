using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Milvus.Orleans.Testing;

/// <summary>
/// The last lines an in-process cluster's silos logged (ours from Information, everyone's warnings), with when, so a
/// test that fails on timing can show what the cluster did meanwhile. Holds at most <see cref="Capacity"/> lines.
/// </summary>
public sealed class RecentLog : ILoggerProvider
{
    private const int Capacity = 5_000;
    private readonly ConcurrentQueue<(DateTimeOffset At, string Line)> _lines = new();

    /// <summary>Adds this log to a silo's logging: Milvus' categories from Information, the rest from Warning.</summary>
    public void AddTo(ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.AddProvider(this);
        logging.AddFilter<RecentLog>(null, LogLevel.Warning);
        logging.AddFilter<RecentLog>("Milvus", LogLevel.Information);
    }

    /// <summary>The lines logged from <paramref name="from"/> to <paramref name="to"/>, oldest first, at most <paramref name="limit"/> (the first ones).</summary>
    public IReadOnlyList<string> Between(DateTimeOffset from, DateTimeOffset to, int limit) =>
        [.. _lines.Where(l => l.At >= from && l.At <= to).Take(limit).Select(l => l.Line)];

    public ILogger CreateLogger(string categoryName) => new Category(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(DateTimeOffset at, string line)
    {
        _lines.Enqueue((at, line));
        while (_lines.Count > Capacity && _lines.TryDequeue(out _))
        {
        }
    }

    private sealed class Category(RecentLog log, string name) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var at = TimeProvider.System.GetUtcNow();
            var error = exception is null ? string.Empty : $" ({exception.GetType().Name}: {exception.Message})";
            log.Add(at, string.Create(CultureInfo.InvariantCulture, $"{at:HH:mm:ss.fff} {logLevel} {name[(name.LastIndexOf('.') + 1)..]}: {formatter(state, exception)}{error}"));
        }
    }
}
