namespace Milvus.Orleans.Grains;

/// <summary>
/// Marks a grain method (or every method of a grain interface) that clients may call. Silos refuse a client's call
/// to any other method of the service's grains with <see cref="ErrorCode.PermissionDenied"/>, before it runs.
/// </summary>
[AttributeUsage(AttributeTargets.Interface | AttributeTargets.Method, Inherited = false)]
public sealed class ClientFacingAttribute : Attribute;
