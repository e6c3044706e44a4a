namespace Milvus.Orleans.Gateway.Rest;

/// <summary>The codes of Milvus' REST replies (its error catalogue), each with the HTTP status it travels with.</summary>
internal static class RestCode
{
    public const int Success = 0;
    public const int ServiceUnavailable = 2;
    public const int ServiceInternal = 5;
    public const int CollectionNotFound = 100;
    public const int CollectionNotLoaded = 101;
    public const int PartitionNotFound = 200;
    public const int IndexNotFound = 700;
    public const int DatabaseNotFound = 800;
    public const int InvalidParameter = 1100;
    public const int PermissionDenied = 1401;
    public const int NotAuthenticated = 1800;
    public const int InvalidJson = 1801;
    public const int MissingParameter = 1802;
    public const int InvalidInsertData = 1804;
    public const int PrimaryKeyTypeMismatch = 1806;

    /// <summary>
    /// The code of a service error. Errors in the rows of a write are <see cref="InvalidInsertData"/>; elsewhere the
    /// same errors (a query vector of the wrong length) are <see cref="InvalidParameter"/>.
    /// </summary>
    public static int Of(ErrorCode code, bool write) => code switch
    {
        ErrorCode.CollectionNotFound or ErrorCode.CollectionDropped => CollectionNotFound,
        ErrorCode.PartitionNotFound => PartitionNotFound,
        ErrorCode.IndexNotFound => IndexNotFound,
        ErrorCode.Unauthenticated => NotAuthenticated,
        ErrorCode.PermissionDenied => PermissionDenied,
        ErrorCode.DimensionMismatch or ErrorCode.FieldMismatch or ErrorCode.TypeMismatch or ErrorCode.InvalidVector
            or ErrorCode.EmptyBatch when write => InvalidInsertData,
        ErrorCode.ChannelNotReady or ErrorCode.WrongTerm or ErrorCode.Fenced or ErrorCode.Backpressure
            or ErrorCode.Unavailable or ErrorCode.SegmentNotLoaded or ErrorCode.RecoveryFailed => ServiceUnavailable,
        ErrorCode.Internal or ErrorCode.TransactionNotFound or ErrorCode.TransactionExpired => ServiceInternal,
        _ => InvalidParameter,
    };
}

/// <summary>A request the REST API refuses before (or instead of) calling the service: its code and what was wrong.</summary>
internal sealed class RestException(int code, string message) : Exception(message)
{
    public int Code { get; } = code;

    public static RestException Missing(string parameter) =>
        new(RestCode.MissingParameter, $"missing required parameters: '{parameter}'");

    public static RestException Invalid(string problem) => new(RestCode.InvalidParameter, problem);

    public static RestException InsertData(string problem) => new(RestCode.InvalidInsertData, problem);
}
