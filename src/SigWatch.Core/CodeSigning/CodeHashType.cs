using System.Security.Cryptography;

namespace SigWatch.Core.CodeSigning;

/// <summary>CodeDirectory <c>hashType</c> (SEC <c>CSCommon.h</c> <c>kSecCodeSignatureHash*</c>; reference §3.4).</summary>
public enum CodeHashType : byte
{
    None = 0,
    Sha1 = 1,
    Sha256 = 2,
    Sha256Truncated = 3,
    Sha384 = 4,
    Sha512 = 5,
}

public static class CodeHashing
{
    /// <summary>The cdhash length codesign reports (<c>CS_CDHASH_LEN</c>).</summary>
    public const int CdHashLength = 20;

    /// <summary>The digest length the CodeDirectory must declare for a type, or 0 if the type is not supported.</summary>
    public static int HashSize(CodeHashType type) => type switch
    {
        CodeHashType.Sha1 => 20,
        CodeHashType.Sha256 => 32,
        CodeHashType.Sha256Truncated => 20,
        CodeHashType.Sha384 => 48,
        _ => 0,
    };

    /// <summary>
    /// Rank for choosing the "best" CodeDirectory (SEC codedirectory.cpp <c>hashPriorities</c>, XNU <c>hash_rank</c>):
    /// SHA-384 &gt; SHA-256 &gt; SHA-256 truncated &gt; SHA-1. Unsupported types rank 0. SHA-512 is declared but
    /// supported by neither SEC nor XNU.
    /// </summary>
    public static int Priority(CodeHashType type) => type switch
    {
        CodeHashType.Sha384 => 4,
        CodeHashType.Sha256 => 3,
        CodeHashType.Sha256Truncated => 2,
        CodeHashType.Sha1 => 1,
        _ => 0,
    };

    public static bool IsSupported(CodeHashType type) => HashSize(type) != 0;

    public static string Name(CodeHashType type) => type switch
    {
        CodeHashType.Sha1 => "sha1",
        CodeHashType.Sha256 => "sha256",
        CodeHashType.Sha256Truncated => "sha256-truncated",
        CodeHashType.Sha384 => "sha384",
        CodeHashType.Sha512 => "sha512",
        _ => $"unknown-{(byte)type}",
    };

    /// <summary>The full digest length the algorithm produces (32 for truncated SHA-256).</summary>
    public static int DigestSize(CodeHashType type) => type == CodeHashType.Sha256Truncated ? 32 : HashSize(type);

    /// <summary>Hashes <paramref name="source"/> into <paramref name="destination"/> (length <see cref="DigestSize"/>), allocation-free.</summary>
    public static void HashData(CodeHashType type, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        switch (type)
        {
            case CodeHashType.Sha1:
                SHA1.HashData(source, destination);
                break;
            case CodeHashType.Sha256:
            case CodeHashType.Sha256Truncated:
                SHA256.HashData(source, destination);
                break;
            case CodeHashType.Sha384:
                SHA384.HashData(source, destination);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported code hash type");
        }
    }

    /// <summary>The algorithm behind a hash type (truncated SHA-256 is SHA-256 cut to 20 bytes).</summary>
    public static HashAlgorithmName AlgorithmName(CodeHashType type) => type switch
    {
        CodeHashType.Sha1 => HashAlgorithmName.SHA1,
        CodeHashType.Sha256 or CodeHashType.Sha256Truncated => HashAlgorithmName.SHA256,
        CodeHashType.Sha384 => HashAlgorithmName.SHA384,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported code hash type"),
    };

    /// <summary>The full digest as a new array (used for cdhashes, not on the page hot path).</summary>
    public static byte[] Hash(CodeHashType type, ReadOnlySpan<byte> source)
    {
        var digest = new byte[DigestSize(type)];
        HashData(type, source, digest);
        return digest;
    }

    /// <summary>The CMS hash-agility V2 digest OID for a hash type (SEC signerutils.cpp <c>SECOidTagForAlgorithm</c>).</summary>
    public static string? DigestOid(CodeHashType type) => type switch
    {
        CodeHashType.Sha1 => "1.3.14.3.2.26",
        CodeHashType.Sha256 or CodeHashType.Sha256Truncated => "2.16.840.1.101.3.4.2.1",
        CodeHashType.Sha384 => "2.16.840.1.101.3.4.2.2",
        _ => null,
    };
}
