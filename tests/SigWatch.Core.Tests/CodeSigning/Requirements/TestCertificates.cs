using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SigWatch.Core.CodeSigning.Requirements;

namespace SigWatch.Core.Tests.CodeSigning.Requirements;

/// <summary>
/// Builds synthetic leaf → intermediate → root chains with Apple's marker extensions at test time. The synthetic
/// root is made an "Apple root" by injecting its SHA-256 into <see cref="AppleRootCertificates"/>.
/// </summary>
internal static class TestCertificates
{
    public const string DeveloperIdCa = "1.2.840.113635.100.6.2.6";
    public const string DeveloperIdLeaf = "1.2.840.113635.100.6.1.13";
    public const string Wwdr = "1.2.840.113635.100.6.2.1";
    public const string MacAppStoreLeaf = "1.2.840.113635.100.6.1.9";
    public const string SoftwareSigning = "1.2.840.113635.100.6.22";

    public static X509Extension Marker(string oid) => new(oid, [0x05, 0x00], critical: false);

    public static IReadOnlyList<X509Certificate2> Chain(
        string leafSubject, IEnumerable<X509Extension> leafExtensions,
        string intermediateSubject = "CN=Test Intermediate, O=Test CA", IEnumerable<X509Extension>? intermediateExtensions = null,
        string rootSubject = "CN=Test Root, O=Test CA") =>
        Chain(new X500DistinguishedName(leafSubject), leafExtensions, intermediateSubject, intermediateExtensions, rootSubject);

    /// <summary>A subject whose first RDN is multi-valued: { CN=cn + OU=ou }, then O=o.</summary>
    public static X500DistinguishedName MultiValuedName(string cn, string ou, string o)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSetOf())
            {
                foreach (var (oid, value) in new[] { ("2.5.4.3", cn), ("2.5.4.11", ou) })
                {
                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier(oid);
                        writer.WriteCharacterString(UniversalTagNumber.UTF8String, value);
                    }
                }
            }

            using (writer.PushSetOf())
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("2.5.4.10");
                writer.WriteCharacterString(UniversalTagNumber.UTF8String, o);
            }
        }

        return new X500DistinguishedName(writer.Encode());
    }

    public static IReadOnlyList<X509Certificate2> Chain(
        X500DistinguishedName leafSubject, IEnumerable<X509Extension> leafExtensions,
        string intermediateSubject = "CN=Test Intermediate, O=Test CA", IEnumerable<X509Extension>? intermediateExtensions = null,
        string rootSubject = "CN=Test Root, O=Test CA")
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var notBefore = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var notAfter = notBefore.AddYears(30);

        var rootRequest = new CertificateRequest(rootSubject, rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var root = rootRequest.CreateSelfSigned(notBefore, notAfter);

        var intermediateRequest = new CertificateRequest(intermediateSubject, intermediateKey, HashAlgorithmName.SHA256);
        intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        foreach (var extension in intermediateExtensions ?? [])
        {
            intermediateRequest.CertificateExtensions.Add(extension);
        }

        using var intermediate = intermediateRequest.Create(root, notBefore, notAfter, [1]).CopyWithPrivateKey(intermediateKey);

        var leafRequest = new CertificateRequest(leafSubject, leafKey, HashAlgorithmName.SHA256);
        foreach (var extension in leafExtensions)
        {
            leafRequest.CertificateExtensions.Add(extension);
        }

        var leaf = leafRequest.Create(intermediate, notBefore, notAfter, [2]);
        return [X509CertificateLoader.LoadCertificate(leaf.RawData), X509CertificateLoader.LoadCertificate(intermediate.RawData), X509CertificateLoader.LoadCertificate(root.RawData)];
    }

    public static AppleRootCertificates TrustingRootOf(IReadOnlyList<X509Certificate2> chain) =>
        new([Convert.ToHexString(SHA256.HashData(chain[^1].RawData))]);

    public static IReadOnlyList<X509Certificate2> DeveloperIdChain(string team = "TEAMID1234") =>
        Chain($"CN=Developer ID Application: Example ({team}), OU={team}, O=Example", [Marker(DeveloperIdLeaf)],
            "CN=Developer ID Certification Authority, O=Apple Inc.", [Marker(DeveloperIdCa)], "CN=Apple Root CA, O=Apple Inc.");

    /// <summary>An extension whose value is a UTF8String holding GeneralizedTime text (csutilities.cpp certificateCopyFieldDate).</summary>
    public static X509Extension DateExtension(string oid, string generalizedTime)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteCharacterString(UniversalTagNumber.UTF8String, generalizedTime);
        return new X509Extension(oid, writer.Encode(), critical: false);
    }

    public static X509Extension Policies(params string[] oids)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var oid in oids)
            {
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(oid);
                }
            }
        }

        return new X509Extension("2.5.29.32", writer.Encode(), critical: false);
    }
}
