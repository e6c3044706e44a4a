namespace Milvus.Orleans.Testing;

/// <summary>
/// One Azurite for every in-process cluster of a test process (each cluster keeps a container of its own), started
/// on first use and stopped when the process exits.
/// </summary>
public static class SharedAzurite
{
    private static readonly Lazy<Task<AzuriteServer>> Server = new(StartAsync);

    public static Task<AzuriteServer> GetAsync() => Server.Value;

    private static async Task<AzuriteServer> StartAsync()
    {
        var server = await AzuriteServer.StartAsync().ConfigureAwait(false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        return server;
    }
}
