using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SigWatch.Core.CodeSigning;

/// <summary>The facts codesign -dvvv shows about one certificate, plus both fingerprints.</summary>
public sealed record CertificateInfo(
    string Subject,
    string? CommonName,
    string? OrganizationalUnit,
    string? Organization,
    string Issuer,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string Sha1,
    string Sha256)
{
    public static CertificateInfo From(X509Certificate2 certificate) => new(
        certificate.Subject,
        FirstAttribute(certificate.SubjectName, "2.5.4.3"),
        FirstAttribute(certificate.SubjectName, "2.5.4.11"),
        FirstAttribute(certificate.SubjectName, "2.5.4.10"),
        certificate.Issuer,
        new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero),
        new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero),
        Convert.ToHexStringLower(certificate.GetCertHash(HashAlgorithmName.SHA1)),
        Convert.ToHexStringLower(certificate.GetCertHash(HashAlgorithmName.SHA256)));

    /// <summary>The first value of an attribute in a name (SEC uses the first OU as the Team ID).</summary>
    public static string? FirstAttribute(X500DistinguishedName name, string oid)
    {
        foreach (var rdn in name.EnumerateRelativeDistinguishedNames())
        {
            if (!rdn.HasMultipleElements && rdn.GetSingleElementType().Value == oid)
            {
                return rdn.GetSingleElementValue();
            }
        }

        return null;
    }
}
