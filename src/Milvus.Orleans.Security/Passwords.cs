using System.Security.Cryptography;
using System.Text;
using Milvus.Orleans.Grains;

namespace Milvus.Orleans.Security;

/// <summary>Passwords as Milvus allows them, stored as salted PBKDF2-SHA256 hashes and checked in constant time.</summary>
internal static class Passwords
{
    public const int MinLength = 6;
    public const int MaxLength = 256;

    /// <summary>PBKDF2 iterations of a new hash: tens of milliseconds per check, which the silos cache.</summary>
    private const int Iterations = 100_000;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    public static bool IsValid(string? password) => password is { Length: >= MinLength and <= MaxLength };

    public static StoredCredential Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        return new StoredCredential(salt, Derive(password, salt, Iterations), Iterations);
    }

    public static bool Matches(string password, StoredCredential credential) =>
        credential.Iterations > 0 && CryptographicOperations.FixedTimeEquals(Derive(password, credential.Salt, credential.Iterations), credential.Hash);

    /// <summary>Whether two secrets are equal, in time that depends on neither.</summary>
    public static bool SameSecret(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
}
