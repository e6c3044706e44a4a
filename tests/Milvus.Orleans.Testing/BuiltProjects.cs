namespace Milvus.Orleans.Testing;

/// <summary>Where the repository's programs are built, for tests that run them as processes.</summary>
internal static class BuiltProjects
{
    /// <summary>
    /// <paramref name="assembly"/> of <c>src/<paramref name="project"/></c>, built in the running assembly's
    /// configuration and framework (bin/{Configuration}/{tfm}).
    /// </summary>
    public static string Assembly(string project, string assembly)
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return Path.Combine(AzuriteServer.RepositoryRoot(), "src", project, "bin", output.Parent!.Name, output.Name, assembly);
    }
}
