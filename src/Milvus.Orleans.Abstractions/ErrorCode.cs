namespace Milvus.Orleans;

/// <summary>
/// Every error the service reports. Carried by <see cref="MilvusException"/>.
/// </summary>
public enum ErrorCode
{
    /// <summary>An argument or configuration value is outside what is allowed.</summary>
    InvalidArgument = 1,

    /// <summary>The channel is moving between silos or still recovering; retry.</summary>
    ChannelNotReady = 2,

    /// <summary>The request carried a term older than the channel's current one; retry.</summary>
    WrongTerm = 3,

    /// <summary>A writer with an older term tried to write after a newer one took over.</summary>
    Fenced = 4,

    /// <summary>Buffers are full and the request's deadline passed while waiting.</summary>
    Backpressure = 5,

    /// <summary>No collection has the name.</summary>
    CollectionNotFound = 6,

    /// <summary>The collection was dropped (or is being dropped); it takes no more writes.</summary>
    CollectionDropped = 7,

    /// <summary>A collection with the name exists already.</summary>
    CollectionAlreadyExists = 8,

    /// <summary>The collection has no partition with the name.</summary>
    PartitionNotFound = 9,

    /// <summary>The collection has a partition with the name already.</summary>
    PartitionAlreadyExists = 10,

    /// <summary>A collection, partition or field name breaks the naming rules.</summary>
    InvalidName = 11,

    /// <summary>A schema breaks a rule: primary key, vector field, duplicate or unknown types.</summary>
    InvalidSchema = 12,

    /// <summary>A vector's length differs from the field's dimension.</summary>
    DimensionMismatch = 13,

    /// <summary>A row batch lacks a field the schema requires, or has one the schema does not know.</summary>
    FieldMismatch = 14,

    /// <summary>A column's type differs from the field's, or a value breaks the field's limits.</summary>
    TypeMismatch = 15,

    /// <summary>A vector holds NaN or infinity.</summary>
    InvalidVector = 16,

    /// <summary>A write carries no rows or keys.</summary>
    EmptyBatch = 17,

    /// <summary>A request is larger than the service accepts.</summary>
    MessageTooLarge = 18,

    /// <summary>A transaction is not open: it was committed or rolled back, or never begun here.</summary>
    TransactionNotFound = 19,

    /// <summary>A transaction went longer than its keep-alive without a message and was given up.</summary>
    TransactionExpired = 20,

    /// <summary>A filter expression does not parse, or does not fit the collection's schema; the message gives the position.</summary>
    InvalidExpression = 21,

    /// <summary>A valid request the service cannot serve yet; the message says what to use instead.</summary>
    NotSupported = 22,

    /// <summary>
    /// A pchannel's log cannot be recovered without losing data (a corrupt record, or a gap after its checkpoint) and
    /// <c>Milvus:Wal:RecoveryErrorIgnore</c> is off: the pchannel takes no writes until an operator decides.
    /// </summary>
    RecoveryFailed = 23,

    /// <summary>A query node was asked to search a segment it does not hold (it moved, or lost it with its silo); the delegator loads it again.</summary>
    SegmentNotLoaded = 24,

    /// <summary>The caller may not do this: a client called a grain only silos may call, or a user lacks the right.</summary>
    PermissionDenied = 25,

    /// <summary>Authorization is on and the call carried no token, or one that names no user with that password.</summary>
    Unauthenticated = 26,

    /// <summary>A count the service bounds is reached (collections, partitions, users); remove some first.</summary>
    LimitExceeded = 27,

    /// <summary>The service failed in a way it did not foresee; the request was not done. The silo's log has the details.</summary>
    Internal = 28,

    /// <summary>The cluster did not answer within the client's deadline (silos down, or channels still moving); retry later.</summary>
    Unavailable = 29,

    /// <summary>The collection has no index with the name.</summary>
    IndexNotFound = 30,

    /// <summary>No collection has the alias.</summary>
    AliasNotFound = 31,
}

/// <summary>How callers should treat each <see cref="ErrorCode"/>.</summary>
public static class ErrorCodes
{
    /// <summary>
    /// Whether the request itself is wrong (its content breaks a rule): sending it again cannot succeed, so nothing
    /// retries it.
    /// </summary>
    public static bool IsInvalidRequest(this ErrorCode code) => code is ErrorCode.InvalidArgument or ErrorCode.InvalidName
        or ErrorCode.InvalidSchema or ErrorCode.DimensionMismatch or ErrorCode.FieldMismatch or ErrorCode.TypeMismatch
        or ErrorCode.InvalidVector or ErrorCode.EmptyBatch or ErrorCode.MessageTooLarge or ErrorCode.InvalidExpression
        or ErrorCode.NotSupported;
}
