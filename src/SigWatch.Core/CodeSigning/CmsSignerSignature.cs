using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SigWatch.Core.CodeSigning;

/// <summary>
/// The one SignerInfo of a code signature's CMS, located in the encoded message itself (RFC 5652 §5.3), and the check of
/// the signer's signature over the signed attributes in the order and form the message holds them.
/// </summary>
/// <remarks>
/// RFC 5652 §5.4 says the signature covers "the DER encoding of the SignedAttrs value" with the <c>[0] IMPLICIT</c> tag
/// replaced by a SET tag. The hash-agility V2 attribute (1.2.840.113635.100.9.2) holds one value per CodeDirectory, and a
/// signer may write them in another order than DER's sorted SET OF (the real dual-hash files in our corpus happen to be
/// in DER order); SEC verifies over the attributes in the order the message holds them (it sorts only when signing). <c>SignerInfo.CheckSignature</c>
/// re-encodes every attribute in DER (sorting the values of a multi-valued attribute), so it rejects those genuine
/// signatures. The signature is therefore checked here with the .NET RSA/ECDsa primitives over the bytes SEC hashes.
/// </remarks>
public sealed class CmsSignerSignature
{
    private const string OidSignedData = "1.2.840.113549.1.7.2";
    private const string OidContentType = "1.2.840.113549.1.9.3";
    private const string OidMessageDigest = "1.2.840.113549.1.9.4";

    private static readonly Asn1Tag s_signedAttributesTag = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag s_unsignedAttributesTag = new(TagClass.ContextSpecific, 1, isConstructed: true);
    private static readonly Asn1Tag s_certificatesTag = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag s_crlsTag = new(TagClass.ContextSpecific, 1, isConstructed: true);

    private CmsSignerSignature(string contentType, string digestAlgorithm, byte[]? signedAttributes,
        IReadOnlyList<(string Oid, IReadOnlyList<ReadOnlyMemory<byte>> Values)> attributes, string signatureAlgorithm, byte[] signature)
    {
        EncapsulatedContentType = contentType;
        DigestAlgorithm = digestAlgorithm;
        SignedAttributes = signedAttributes;
        Attributes = attributes;
        SignatureAlgorithm = signatureAlgorithm;
        Signature = signature;
    }

    /// <summary>eContentType of the SignedData (id-data for code signatures, reference §6.1).</summary>
    public string EncapsulatedContentType { get; }

    /// <summary>OID of the SignerInfo's digestAlgorithm.</summary>
    public string DigestAlgorithm { get; }

    /// <summary>The bytes the signature covers when there are signed attributes (see <see cref="ReadSignedAttributes"/>); null when absent.</summary>
    public byte[]? SignedAttributes { get; }

    /// <summary>Each signed attribute with its values' encodings, in the order of the message.</summary>
    public IReadOnlyList<(string Oid, IReadOnlyList<ReadOnlyMemory<byte>> Values)> Attributes { get; }

    /// <summary>OID of the SignerInfo's signatureAlgorithm.</summary>
    public string SignatureAlgorithm { get; }

    public byte[] Signature { get; }

    /// <summary>
    /// Reads the SignerInfo of a CMS ContentInfo holding SignedData with exactly one signer. Throws
    /// <see cref="AsnContentException"/> for a structure that is not that; the caller reports it as a corrupt CMS.
    /// BER is accepted for the envelope (the signed attributes are hashed as found, whatever their encoding).
    /// </summary>
    public static CmsSignerSignature Read(ReadOnlyMemory<byte> cms)
    {
        var contentInfo = new AsnReader(cms, AsnEncodingRules.BER).ReadSequence();
        if (contentInfo.ReadObjectIdentifier() != OidSignedData)
        {
            throw new AsnContentException("the CMS content is not SignedData");
        }

        var signedData = contentInfo.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence();
        signedData.ReadInteger(); // version
        signedData.ReadSetOf(); // digestAlgorithms
        var encapsulated = signedData.ReadSequence();
        var contentType = encapsulated.ReadObjectIdentifier();
        if (signedData.PeekTag().HasSameClassAndValue(s_certificatesTag))
        {
            signedData.ReadEncodedValue();
        }

        if (signedData.HasData && signedData.PeekTag().HasSameClassAndValue(s_crlsTag))
        {
            signedData.ReadEncodedValue();
        }

        var signerInfos = signedData.ReadSetOf();
        var signerInfo = signerInfos.ReadSequence();
        if (signerInfos.HasData)
        {
            throw new AsnContentException("the CMS has more than one SignerInfo");
        }

        signerInfo.ReadInteger(); // version
        signerInfo.ReadEncodedValue(); // sid: issuerAndSerialNumber or [0] subjectKeyIdentifier
        var digestAlgorithm = signerInfo.ReadSequence().ReadObjectIdentifier();
        byte[]? signedAttributes = null;
        var attributes = new List<(string, IReadOnlyList<ReadOnlyMemory<byte>>)>();
        if (signerInfo.PeekTag().HasSameClassAndValue(s_signedAttributesTag))
        {
            (signedAttributes, attributes) = ReadSignedAttributes(signerInfo.ReadEncodedValue());
        }

        var signatureAlgorithm = signerInfo.ReadSequence().ReadObjectIdentifier();
        var signature = signerInfo.ReadOctetString();
        if (signerInfo.HasData && signerInfo.PeekTag().HasSameClassAndValue(s_unsignedAttributesTag))
        {
            signerInfo.ReadEncodedValue();
        }

        signerInfo.ThrowIfNotEmpty();
        return new CmsSignerSignature(contentType, digestAlgorithm, signedAttributes, attributes, signatureAlgorithm, signature);
    }

    /// <summary>
    /// The signed attributes and the bytes the signature covers, built as SEC builds them when it verifies
    /// (cmssiginfo.c <c>SecCmsSignerInfoVerifyWithPolicy</c> → cmsattr.c <c>SecCmsAttributeArrayEncode</c>): a SET OF the
    /// attributes in the order received, never sorted, with definite minimal lengths; contentType and messageDigest (and
    /// the hash-agility plist, an OCTET STRING) are decoded and written again, every other value is kept byte for byte.
    /// For a DER message these are exactly the message's bytes with the <c>[0]</c> tag replaced by SET.
    /// </summary>
    private static (byte[] Signed, List<(string, IReadOnlyList<ReadOnlyMemory<byte>>)> Attributes) ReadSignedAttributes(ReadOnlyMemory<byte> encoded)
    {
        var attributes = new List<(string, IReadOnlyList<ReadOnlyMemory<byte>>)>();
        var set = new AsnReader(encoded, AsnEncodingRules.BER).ReadSetOf(skipSortOrderValidation: true, s_signedAttributesTag);
        // BER: definite lengths, and SET OF contents kept in the order written (CER and DER would sort them).
        var writer = new AsnWriter(AsnEncodingRules.BER);
        using (writer.PushSetOf())
        {
            while (set.HasData)
            {
                var attribute = set.ReadSequence();
                var oid = attribute.ReadObjectIdentifier();
                var valueSet = attribute.ReadSetOf(skipSortOrderValidation: true);
                attribute.ThrowIfNotEmpty();
                var values = new List<ReadOnlyMemory<byte>>();
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(oid);
                    using (writer.PushSetOf())
                    {
                        while (valueSet.HasData)
                        {
                            var value = valueSet.ReadEncodedValue();
                            values.Add(value);
                            switch (oid)
                            {
                                case OidContentType:
                                    writer.WriteObjectIdentifier(AsnDecoder.ReadObjectIdentifier(value.Span, AsnEncodingRules.BER, out _));
                                    break;
                                case OidMessageDigest or AppleTrust.OidCdHashesPlist:
                                    writer.WriteOctetString(AsnDecoder.ReadOctetString(value.Span, AsnEncodingRules.BER, out _));
                                    break;
                                default:
                                    writer.WriteEncodedValue(value.Span);
                                    break;
                            }
                        }
                    }
                }

                attributes.Add((oid, values));
            }
        }

        return (writer.Encode(), attributes);
    }

    /// <summary>
    /// Checks the messageDigest and contentType attributes against <paramref name="content"/> (the slot-0 CodeDirectory)
    /// and the signer's signature over the signed attributes as encoded, with <paramref name="signer"/>'s public key.
    /// Returns null when everything verifies, else what failed.
    /// </summary>
    public string? Verify(ReadOnlySpan<byte> content, X509Certificate2 signer)
    {
        ArgumentNullException.ThrowIfNull(signer);
        if (HashAlgorithmFor(DigestAlgorithm) is not { } hashAlgorithm)
        {
            return $"unsupported digest algorithm {DigestAlgorithm}";
        }

        byte[] signedBytes;
        if (SignedAttributes is null)
        {
            // RFC 5652 §5.4: without signed attributes the signature covers the content itself (only with id-data).
            if (EncapsulatedContentType != "1.2.840.113549.1.7.1")
            {
                return "signed attributes are required for a content type other than id-data";
            }

            signedBytes = content.ToArray();
        }
        else
        {
            if (CheckAttributes(content, hashAlgorithm) is { } problem)
            {
                return problem;
            }

            signedBytes = SignedAttributes;
        }

        return VerifySignatureValue(signedBytes, hashAlgorithm, signer);
    }

    private string? CheckAttributes(ReadOnlySpan<byte> content, HashAlgorithmName hashAlgorithm)
    {
        // RFC 5652 §11.1, §11.2: both attributes are required with signed attributes, each exactly once with one value.
        var digests = Attributes.Where(a => a.Oid == OidMessageDigest).ToList();
        var types = Attributes.Where(a => a.Oid == OidContentType).ToList();
        if (digests.Count != 1 || digests[0].Values.Count != 1)
        {
            return "the signed attributes must hold exactly one messageDigest value";
        }

        if (types.Count != 1 || types[0].Values.Count != 1)
        {
            return "the signed attributes must hold exactly one contentType value";
        }

        var declaredType = AsnDecoder.ReadObjectIdentifier(types[0].Values[0].Span, AsnEncodingRules.BER, out _);
        if (declaredType != EncapsulatedContentType)
        {
            return $"the contentType attribute ({declaredType}) differs from the encapsulated content type ({EncapsulatedContentType})";
        }

        var declared = AsnDecoder.ReadOctetString(digests[0].Values[0].Span, AsnEncodingRules.BER, out _);
        var actual = CryptographicOperations.HashData(hashAlgorithm, content);
        return CryptographicOperations.FixedTimeEquals(declared, actual)
            ? null
            : $"the messageDigest attribute ({Convert.ToHexStringLower(declared)}) is not the {hashAlgorithm.Name} of the slot-0 CodeDirectory ({Convert.ToHexStringLower(actual)})";
    }

    private string? VerifySignatureValue(byte[] signedBytes, HashAlgorithmName digest, X509Certificate2 signer)
    {
        // RSA PKCS#1 v1.5 and ECDSA are what codesign produces (Apple's developer certificates are RSA 2048, newer roots ECC).
        var (family, hash) = SignatureAlgorithm switch
        {
            "1.2.840.113549.1.1.1" => ("RSA", digest), // rsaEncryption: the digest comes from digestAlgorithm
            "1.2.840.113549.1.1.5" => ("RSA", HashAlgorithmName.SHA1),
            "1.2.840.113549.1.1.11" => ("RSA", HashAlgorithmName.SHA256),
            "1.2.840.113549.1.1.12" => ("RSA", HashAlgorithmName.SHA384),
            "1.2.840.113549.1.1.13" => ("RSA", HashAlgorithmName.SHA512),
            "1.2.840.10045.2.1" => ("ECDSA", digest), // id-ecPublicKey used as a signature algorithm: digest from digestAlgorithm
            "1.2.840.10045.4.1" => ("ECDSA", HashAlgorithmName.SHA1),
            "1.2.840.10045.4.3.2" => ("ECDSA", HashAlgorithmName.SHA256),
            "1.2.840.10045.4.3.3" => ("ECDSA", HashAlgorithmName.SHA384),
            "1.2.840.10045.4.3.4" => ("ECDSA", HashAlgorithmName.SHA512),
            _ => ("", default),
        };

        switch (family)
        {
            case "RSA":
                using (var rsa = signer.GetRSAPublicKey())
                {
                    if (rsa is null)
                    {
                        return $"signature algorithm {SignatureAlgorithm} needs an RSA key, the signer certificate has another";
                    }

                    return rsa.VerifyData(signedBytes, Signature, hash, RSASignaturePadding.Pkcs1)
                        ? null
                        : "the signer's RSA signature does not verify over the signed attributes";
                }

            case "ECDSA":
                using (var ecdsa = signer.GetECDsaPublicKey())
                {
                    if (ecdsa is null)
                    {
                        return $"signature algorithm {SignatureAlgorithm} needs an EC key, the signer certificate has another";
                    }

                    return ecdsa.VerifyData(signedBytes, Signature, hash, DSASignatureFormat.Rfc3279DerSequence)
                        ? null
                        : "the signer's ECDSA signature does not verify over the signed attributes";
                }

            default:
                return $"unsupported signature algorithm {SignatureAlgorithm}";
        }
    }

    private static HashAlgorithmName? HashAlgorithmFor(string oid) => oid switch
    {
        "1.3.14.3.2.26" => HashAlgorithmName.SHA1,
        "2.16.840.1.101.3.4.2.1" => HashAlgorithmName.SHA256,
        "2.16.840.1.101.3.4.2.2" => HashAlgorithmName.SHA384,
        "2.16.840.1.101.3.4.2.3" => HashAlgorithmName.SHA512,
        _ => null,
    };
}
