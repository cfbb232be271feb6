using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SigWatch.Core.CodeSigning.Requirements;

/// <summary>
/// Decides "anchored at an Apple root" the way Security's <c>isAppleCA</c> does (OSX/utilities/SecAppleAnchor.c):
/// the SHA-256 of the chain's last certificate is one of Apple's root fingerprints. Injected into the evaluator so
/// tests can anchor synthetic chains; production uses <see cref="Pinned"/>.
/// </summary>
public sealed class AppleRootCertificates
{
    // Reference §6.4: Apple Root CA, G2, G3, Platform Backport RSA G1 and ECC G1 (SecAppleAnchor.c).
    private static readonly string[] PinnedSha256 =
    [
        "B0B1730ECBC7FF4505142C49F1295E6EDA6BCAED7E2C68C5BE91B5A11001F024",
        "C2B9B042DD57830E7D117DAC55AC8AE19407D38E41D88F3215BC3A890444A050",
        "63343ABFB89A6A03EBB57E9B3F5FA7BE7C4F5C756F3017B3A8C488C3653E9179",
        "FB3F6CF69467B5FA9FFA2B3B392B6E5E775BBB09C77B6E759E9038E26BBF9049",
        "EDA23B3F224F45E0952F20E4D2B33E000D49C8044C1168DE47B443CD2B3536DC",
    ];

    private readonly HashSet<string> _sha256;

    public AppleRootCertificates(IEnumerable<string> sha256Hex)
    {
        ArgumentNullException.ThrowIfNull(sha256Hex);
        _sha256 = new HashSet<string>(sha256Hex.Select(h => h.ToUpperInvariant()), StringComparer.Ordinal);
    }

    /// <summary>Apple's published roots.</summary>
    public static AppleRootCertificates Pinned { get; } = new(PinnedSha256);

    public bool IsAppleRoot(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return _sha256.Contains(Convert.ToHexString(SHA256.HashData(certificate.RawData)));
    }

    /// <summary><c>anchor apple generic</c>: the chain's last certificate is an Apple root (reqinterp.cpp <c>appleAnchored</c>).</summary>
    public bool IsAppleAnchored(IReadOnlyList<X509Certificate2> chain) => chain.Count > 0 && IsAppleRoot(chain[^1]);

    /// <summary>
    /// The certificate half of <c>anchor apple</c> (reqinterp.cpp <c>appleSigned</c>): Apple-anchored, the certificate
    /// just below the root (slot -2) has CN "Apple Code Signing Certification Authority" and O "Apple Inc.", and the
    /// leaf carries the Software Signing marker 1.2.840.113635.100.6.22. The kernel trust-cache half cannot be
    /// checked offline.
    /// </summary>
    public bool IsAppleSoftwareSigned(IReadOnlyList<X509Certificate2> chain)
    {
        if (!IsAppleAnchored(chain) || chain.Count < 2)
        {
            return false;
        }

        var intermediate = chain[^2];
        return CertificateInspector.SubjectAttribute(intermediate, CertificateInspector.CommonNameOid) == "Apple Code Signing Certification Authority"
            && CertificateInspector.SubjectAttribute(intermediate, CertificateInspector.OrganizationOid) == "Apple Inc."
            && CertificateInspector.HasExtension(chain[0], "1.2.840.113635.100.6.22");
    }
}
