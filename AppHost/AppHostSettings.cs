using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Milvus.Orleans.AppHost;

/// <summary>
/// The AppHost's own flags (<c>--SiloReplicas 3</c>, <c>--Tls true</c>, <c>--Storage blob</c>, …): a value that does not parse stops it with
/// one line naming the flag and exit code 2, as the silos do for their configuration.
/// </summary>
internal static class AppHostSettings
{
    public static int Int(IConfiguration configuration, string key, int defaultValue, int min, int max)
    {
        var text = configuration[key];
        if (text is null)
        {
            return defaultValue;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : Stop<int>($"--{key} = '{text}' is not a whole number in {min}..{max}.");
    }

    public static bool Bool(IConfiguration configuration, string key, bool defaultValue = false) => configuration[key] switch
    {
        null => defaultValue,
        var text when bool.TryParse(text, out var value) => value,
        var text => Stop<bool>($"--{key} = '{text}' is not true or false."),
    };

    public static string Choice(IConfiguration configuration, string key, params string[] choices)
    {
        var text = configuration[key];
        if (text is null)
        {
            return choices[0];
        }

        return choices.FirstOrDefault(c => string.Equals(c, text, StringComparison.OrdinalIgnoreCase))
            ?? Stop<string>($"--{key} = '{text}' is not one of {string.Join(", ", choices)}.");
    }

    private static T Stop<T>(string problem)
    {
        Console.Error.WriteLine($"error: InvalidArgument: {problem}");
        Environment.Exit(2);
        return default!;
    }
}

/// <summary>How the AppHost hands the cluster certificate to a process.</summary>
internal static class CertificateEnvironment
{
    /// <summary>Gives the process the cluster certificate's path when TLS is on.</summary>
    public static IResourceBuilder<T> WithClusterCertificate<T>(this IResourceBuilder<T> resource, string? certificate)
        where T : IResourceWithEnvironment =>
        certificate is null ? resource : resource.WithEnvironment("Milvus__Security__TlsCertificatePath", certificate);
}
