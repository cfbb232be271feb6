using System.Formats.Asn1;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SigWatch.Core.CodeSigning.Requirements;

/// <summary>
/// The certificate look-ups reqinterp.cpp and csutilities.cpp make through Security.framework, done with the .NET
/// X.509 types: subject attributes, extension presence, certificate policies, Apple's date extensions and e-mail
/// addresses. Content that cannot be decoded raises <see cref="CryptographicException"/>, which the evaluator turns
/// into Unknown rather than a guess; only the date extension follows Apple in reading a non-UTF8String value as absent.
/// </summary>
internal static class CertificateInspector
{
    public const string CommonNameOid = "2.5.4.3";
    public const string OrganizationOid = "2.5.4.10";
    public const string OrganizationalUnitOid = "2.5.4.11";
    private const string EmailAddressOid = "1.2.840.113549.1.9.1";
    private const string CertificatePoliciesOid = "2.5.29.32";
    private const string SubjectAltNameOid = "2.5.29.17";

    /// <summary>reqinterp.cpp <c>certFieldValue</c>'s table of recognized <c>subject.</c> keys.</summary>
    public static readonly IReadOnlyDictionary<string, string> SubjectKeys = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["subject.C"] = "2.5.4.6",
        ["subject.CN"] = CommonNameOid,
        ["subject.D"] = "2.5.4.13",
        ["subject.L"] = "2.5.4.7",
        ["subject.O"] = OrganizationOid,
        ["subject.C-O"] = "2.5.4.10.1", // the C- keys are X.520 collective attributes (id-at-collective*)
        ["subject.OU"] = OrganizationalUnitOid,
        ["subject.C-OU"] = "2.5.4.11.1",
        ["subject.ST"] = "2.5.4.8",
        ["subject.C-ST"] = "2.5.4.8.1",
        ["subject.STREET"] = "2.5.4.9",
        ["subject.C-STREET"] = "2.5.4.9.1",
        ["subject.UID"] = "0.9.2342.19200300.100.1.1",
    };

    /// <summary>
    /// The first value of the subject attribute with this OID (SecCertificateCopySubjectAttributeValue), or null.
    /// </summary>
    public static string? SubjectAttribute(X509Certificate2 certificate, string oid) =>
        SubjectAttributes(certificate).FirstOrDefault(a => a.Oid == oid).Value;

    /// <summary>
    /// Every attribute of the subject name in order, multi-valued RDNs included, read from the DER
    /// (Name ::= SEQUENCE OF SET OF AttributeTypeAndValue). Values that are not strings are skipped.
    /// </summary>
    /// <exception cref="CryptographicException">The name is not valid DER.</exception>
    public static IReadOnlyList<(string Oid, string Value)> SubjectAttributes(X509Certificate2 certificate)
    {
        var result = new List<(string, string)>();
        try
        {
            var name = new AsnReader(certificate.SubjectName.RawData, AsnEncodingRules.DER).ReadSequence();
            while (name.HasData)
            {
                var rdn = name.ReadSetOf();
                while (rdn.HasData)
                {
                    var attribute = rdn.ReadSequence();
                    var type = attribute.ReadObjectIdentifier();
                    var tag = attribute.PeekTag();
                    if (tag.TagClass == TagClass.Universal && IsStringTag((UniversalTagNumber)tag.TagValue))
                    {
                        result.Add((type, attribute.ReadCharacterString((UniversalTagNumber)tag.TagValue)));
                    }
                }
            }
        }
        catch (AsnContentException ex)
        {
            throw Malformed("subject name", ex);
        }

        return result;
    }

    private static CryptographicException Malformed(string what, Exception inner) =>
        new($"the certificate's {what} cannot be decoded", inner);

    private static bool IsStringTag(UniversalTagNumber tag) => tag is UniversalTagNumber.UTF8String or UniversalTagNumber.PrintableString
        or UniversalTagNumber.IA5String or UniversalTagNumber.T61String or UniversalTagNumber.BMPString
        or UniversalTagNumber.UniversalString or UniversalTagNumber.VisibleString or UniversalTagNumber.NumericString;

    public static bool HasExtension(X509Certificate2 certificate, string oid) => FindExtension(certificate, oid) is not null;

    public static X509Extension? FindExtension(X509Certificate2 certificate, string oid)
    {
        // An undecodable extensions list throws CryptographicException; the evaluator reports the clause as Unknown.
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value == oid)
            {
                return extension;
            }
        }

        return null;
    }

    /// <summary>Whether the certificatePolicies extension lists <paramref name="oid"/> (qualifiers ignored, as csutilities.cpp says).</summary>
    /// <exception cref="CryptographicException">The extension is not valid DER.</exception>
    public static bool HasPolicy(X509Certificate2 certificate, string oid)
    {
        if (FindExtension(certificate, CertificatePoliciesOid) is not { } extension)
        {
            return false;
        }

        try
        {
            var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
            var policies = reader.ReadSequence();
            while (policies.HasData)
            {
                var info = policies.ReadSequence();
                if (info.ReadObjectIdentifier() == oid)
                {
                    return true;
                }
            }
        }
        catch (AsnContentException ex)
        {
            throw Malformed("certificatePolicies extension", ex);
        }

        return false;
    }

    /// <summary>
    /// csutilities.cpp <c>certificateCopyFieldDate</c>: the extension value decoded as a UTF8String holding
    /// GeneralizedTime text; null when absent or not in that form (Apple then matches kCFNull too).
    /// </summary>
    public static DateTime? DateExtension(X509Certificate2 certificate, string oid)
    {
        if (FindExtension(certificate, oid) is not { } extension)
        {
            return null;
        }

        try
        {
            var reader = new AsnReader(extension.RawData, AsnEncodingRules.BER);
            var text = reader.ReadCharacterString(UniversalTagNumber.UTF8String);
            return RequirementTimestamp.TryParseGeneralizedTime(text, out var seconds) && RequirementTimestamp.TryToDateTime(seconds, out var at)
                ? at
                : null;
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    /// <summary>SecCertificateCopyEmailAddresses: subject emailAddress attributes and rfc822Name alternative names.</summary>
    public static IReadOnlyList<string> EmailAddresses(X509Certificate2 certificate)
    {
        var result = SubjectAttributes(certificate).Where(a => a.Oid == EmailAddressOid).Select(a => a.Value).ToList();
        if (FindExtension(certificate, SubjectAltNameOid) is { } san)
        {
            try
            {
                var names = new AsnReader(san.RawData, AsnEncodingRules.DER).ReadSequence();
                var rfc822 = new Asn1Tag(TagClass.ContextSpecific, 1);
                while (names.HasData)
                {
                    if (names.PeekTag().HasSameClassAndValue(rfc822))
                    {
                        result.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, rfc822));
                    }
                    else
                    {
                        names.ReadEncodedValue();
                    }
                }
            }
            catch (AsnContentException ex)
            {
                throw Malformed("subjectAltName extension", ex);
            }
        }

        return result;
    }

    public static string Describe(X509Certificate2 certificate) =>
        SubjectAttribute(certificate, CommonNameOid) is { } cn
            ? string.Create(CultureInfo.InvariantCulture, $"\"{cn}\"")
            : certificate.Subject;
}
