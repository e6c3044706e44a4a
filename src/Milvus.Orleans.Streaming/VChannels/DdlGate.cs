namespace Milvus.Orleans.Streaming.VChannels;

/// <summary>
/// Lets data writes on a vchannel run side by side while a DDL write runs alone: a DDL waits for the data writes
/// in flight and holds new ones back until it is done. Used from one grain's turns, so it needs no locks.
/// </summary>
internal sealed class DdlGate
{
    private int _dataInFlight;
    private Task _ddl = Task.CompletedTask;
    private TaskCompletionSource? _drained;

    /// <summary>Enters for a data write; dispose to leave.</summary>
    public async Task<IDisposable> EnterDataAsync()
    {
        while (!_ddl.IsCompleted)
        {
            await _ddl.ConfigureAwait(true);
        }

        _dataInFlight++;
        return new Exit(this, ddl: false);
    }

    /// <summary>Enters for a DDL write once no data write or other DDL is in flight; dispose to leave.</summary>
    public async Task<IDisposable> EnterDdlAsync()
    {
        while (!_ddl.IsCompleted)
        {
            await _ddl.ConfigureAwait(true);
        }

        var done = new TaskCompletionSource();
        _ddl = done.Task;
        if (_dataInFlight > 0)
        {
            _drained = new TaskCompletionSource();
            await _drained.Task.ConfigureAwait(true);
        }

        return new Exit(this, ddl: true, done);
    }

    private sealed class Exit(DdlGate gate, bool ddl, TaskCompletionSource? done = null) : IDisposable
    {
        public void Dispose()
        {
            if (ddl)
            {
                done!.SetResult();
            }
            else if (--gate._dataInFlight == 0 && gate._drained is { } drained)
            {
                gate._drained = null;
                drained.SetResult();
            }
        }
    }
}
