namespace Milvus.Orleans.Testing;

/// <summary>A test's deadline and a data folder of its own (for an AppHost, a WAL, a project), deleted when the test ends.</summary>
public sealed class TestScope : IDisposable
{
    private readonly CancellationTokenSource _deadline;

    /// <summary>A scope that ends after <paramref name="deadline"/> or when <paramref name="test"/> (the test's own token) is cancelled.</summary>
    public TestScope(TimeSpan deadline, CancellationToken test)
    {
        _deadline = CancellationTokenSource.CreateLinkedTokenSource(test);
        _deadline.CancelAfter(deadline);
        DataPath = Directory.CreateTempSubdirectory("milvus-test-").FullName;
    }

    public CancellationToken Token => _deadline.Token;

    public string DataPath { get; }

    public void Dispose()
    {
        _deadline.Dispose();
        Directory.Delete(DataPath, recursive: true);
    }
}
