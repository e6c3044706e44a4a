namespace Milvus.Orleans.Integrations.Tests;

/// <summary>A test's deadline and a folder of its own, deleted when the test ends.</summary>
internal sealed class Scratch : IDisposable
{
    private readonly CancellationTokenSource _deadline;

    public Scratch(TimeSpan deadline)
    {
        _deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        _deadline.CancelAfter(deadline);
        Path = Directory.CreateTempSubdirectory("milvus-integration-").FullName;
    }

    public CancellationToken Token => _deadline.Token;

    public string Path { get; }

    public void Dispose()
    {
        _deadline.Dispose();
        Directory.Delete(Path, recursive: true);
    }
}
