namespace Milvus.Orleans.Hosting;

/// <summary>
/// The service's programs, copied next to the AppHost by the package (or the project reference) under
/// <c>milvus-orleans/&lt;name&gt;/</c>.
/// </summary>
internal static class ServicePrograms
{
    public static string Silo => Find("silo", "Milvus.Orleans.Silo.dll");

    public static string Garnet => Find("garnet", "Milvus.Orleans.GarnetHost.dll");

    private static string Find(string name, string assembly)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "milvus-orleans", name, assembly);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException(
                $"'{path}' is missing: the Milvus.Orleans.Hosting package copies the service's programs next to the AppHost when it builds; rebuild the AppHost.");
    }
}
