namespace Milvus.Orleans.EndToEnd.Tests;

/// <summary>A test's deadline and its own data folder for the AppHost, deleted when the test ends.</summary>
internal sealed class TestScope : IDisposable
{
    private readonly CancellationTokenSource _deadline;

    public TestScope(TimeSpan deadline)
    {
        _deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        _deadline.CancelAfter(deadline);
        DataPath = Directory.CreateTempSubdirectory("milvus-e2e-").FullName;
    }

    public CancellationToken Token => _deadline.Token;

    public string DataPath { get; }

    public void Dispose()
    {
        _deadline.Dispose();
        Directory.Delete(DataPath, recursive: true);
    }
}
