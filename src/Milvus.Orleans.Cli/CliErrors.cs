using System.Net.Sockets;
using System.Text.Json;

namespace Milvus.Orleans.Cli;

/// <summary>
/// How the command line ends when something fails: one line <c>error: &lt;Code&gt;: &lt;message&gt;</c> on stderr (the
/// stack trace too with <c>--verbose</c>) and an exit code that says whose fault it was.
/// </summary>
internal static class CliErrors
{
    /// <summary>The request or its input (flags, files) is wrong: fix it and run again.</summary>
    public const int BadInput = 2;

    /// <summary>The service refused the request for the state it is in (a missing collection, no permission, …).</summary>
    public const int Refused = 3;

    /// <summary>The cluster could not be reached or did not answer in time: try again later.</summary>
    public const int Unavailable = 4;

    /// <summary>Anything else: a fault of the command line or the service.</summary>
    public const int Failed = 1;

    /// <summary>Cancelled by the user (Ctrl+C).</summary>
    public const int Cancelled = 130;

    /// <summary>Prints <paramref name="error"/> and returns the exit code for it.</summary>
    public static int Report(Exception error, bool verbose)
    {
        ArgumentNullException.ThrowIfNull(error);
        var (code, exit, message) = Classify(error);
        Console.Error.WriteLine($"error: {code}: {message}");
        if (verbose)
        {
            Console.Error.WriteLine(error);
        }

        return exit;
    }

    /// <summary>A usage error System.CommandLine found before anything ran.</summary>
    public static int ReportUsage(IEnumerable<string> problems)
    {
        foreach (var problem in problems)
        {
            Console.Error.WriteLine($"error: {ErrorCode.InvalidArgument}: {problem}");
        }

        return BadInput;
    }

    private static (string Code, int Exit, string Message) Classify(Exception error) => error switch
    {
        MilvusException { Code: var code } milvus when code.IsInvalidRequest() => (code.ToString(), BadInput, milvus.Message),
        MilvusException { Code: ErrorCode.Unavailable } or MilvusException { IsTransient: true } => (((MilvusException)error).Code.ToString(), Unavailable, error.Message),
        MilvusException milvus => (milvus.Code.ToString(), Refused, milvus.Message),
        OperationCanceledException => ("Cancelled", Cancelled, "cancelled before it finished."),
        OrleansException or TimeoutException or SocketException or StackExchange.Redis.RedisConnectionException =>
            (nameof(ErrorCode.Unavailable), Unavailable, $"the cluster did not answer: {error.Message}"),
        IOException or UnauthorizedAccessException or InvalidDataException or JsonException or FormatException or OverflowException
            or Parquet.ParquetException or Parquet.Meta.Proto.ThriftProtocolException => (nameof(ErrorCode.InvalidArgument), BadInput, error.Message),
        _ => (nameof(ErrorCode.Internal), Failed, $"{error.GetType().Name}: {error.Message}"),
    };
}
