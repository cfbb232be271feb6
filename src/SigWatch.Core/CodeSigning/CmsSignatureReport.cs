using SigWatch.Core.Verification;

namespace SigWatch.Core.CodeSigning;

/// <summary>What the CMS signature of one architecture says and how much of it checked out.</summary>
public sealed class CmsSignatureReport
{
    /// <summary>True when the signer's signature and messageDigest verify over the slot-0 CodeDirectory.</summary>
    public bool SignatureValid { get; init; }

    /// <summary>The signer's digest algorithm (SHA-256 in modern codesign).</summary>
    public string? DigestAlgorithm { get; init; }

    /// <summary>The signer's chain, leaf first, as built; the CMS certificate bag when no chain could be built.</summary>
    public IReadOnlyList<CertificateInfo> Certificates { get; init; } = [];

    public CertificateInfo? Leaf => Certificates.Count > 0 ? Certificates[0] : null;

    /// <summary>The leaf's first subject OU: the Team ID of an Apple developer certificate.</summary>
    public string? LeafTeamId => Leaf?.OrganizationalUnit;

    /// <summary>Developer-supplied signingTime attribute: not secure (the signer's own clock).</summary>
    public DateTimeOffset? DeclaredSigningTime { get; init; }

    /// <summary>genTime of the RFC 3161 timestamp token, when the token verifies: the secure signing time.</summary>
    public DateTimeOffset? TimestampedSigningTime { get; init; }

    /// <summary>True when a timestamp token is present (whether or not it verified).</summary>
    public bool HasTimestampToken { get; init; }

    /// <summary>True when the chain ends at a pinned Apple root with only tolerated statuses.</summary>
    public bool ChainTrusted { get; init; }

    /// <summary>The pinned root's name when <see cref="ChainTrusted"/>.</summary>
    public string? Anchor { get; init; }

    public SignatureClassification Classification { get; init; }

    /// <summary>Truncated cdhashes of the V1 (plist) attribute, when present and decodable.</summary>
    public IReadOnlyList<byte[]>? CdHashesPlist { get; init; }

    /// <summary>(digest OID, full cdhash) pairs of the V2 attribute, when present.</summary>
    public IReadOnlyList<(string Oid, byte[] Hash)>? CdHashes2 { get; init; }

    /// <summary>The moment the chain was judged at (timestamp, else the verification clock).</summary>
    public DateTimeOffset ChainVerificationTime { get; init; }
}
