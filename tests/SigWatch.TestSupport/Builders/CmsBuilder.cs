using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SigWatch.TestSupport.Builders;

/// <summary>
/// Builds a detached CMS SignedData over a CodeDirectory the way Apple's signer lays it out (reference §6.1), written
/// by hand so that the signed attributes and the values inside each attribute keep exactly the order given: .NET's
/// <c>CmsSigner</c> always sorts them (DER), so it cannot produce what codesign writes. The signature is made with the
/// .NET RSA/ECDsa primitives over the signed attributes as encoded.
/// </summary>
public sealed class CmsBuilder
{
    public const string OidData = "1.2.840.113549.1.7.1";
    public const string OidContentType = "1.2.840.113549.1.9.3";
    public const string OidMessageDigest = "1.2.840.113549.1.9.4";
    public const string OidSigningTime = "1.2.840.113549.1.9.5";
    public const string OidCdHashes2 = "1.2.840.113635.100.9.2";
    public const string OidSha1 = "1.3.14.3.2.26";
    public const string OidSha256 = "2.16.840.1.101.3.4.2.1";

    private readonly List<(string Oid, IReadOnlyList<byte[]> Values)> _attributes = [];

    /// <summary>The signer, with its private key (RSA or ECDsa).</summary>
    public required X509Certificate2 Signer { get; init; }

    /// <summary>Certificates for the bag besides the signer.</summary>
    public IReadOnlyList<X509Certificate2> ExtraCertificates { get; init; } = [];

    public DateTimeOffset SigningTime { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>
    /// Write the signed attributes' <c>[0]</c> length in a non-minimal long form (valid BER, not DER). The signature
    /// covers the minimal form unless <see cref="SignAsTransmitted"/>.
    /// </summary>
    public bool LongFormAttributesLength { get; init; }

    /// <summary>With <see cref="LongFormAttributesLength"/>: sign the attributes exactly as transmitted instead.</summary>
    public bool SignAsTransmitted { get; init; }

    /// <summary>Adds a signed attribute after contentType, signingTime and messageDigest; values are pre-encoded and kept in this order.</summary>
    public CmsBuilder WithAttribute(string oid, params byte[][] encodedValues)
    {
        _attributes.Add((oid, encodedValues));
        return this;
    }

    /// <summary>One value of the hash-agility V2 attribute: <c>SEQUENCE { OID digestAlgorithm, OCTET STRING cdhash }</c>.</summary>
    public static byte[] CdHashes2Value(string digestOid, byte[] fullCdHash)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(digestOid);
            writer.WriteOctetString(fullCdHash);
        }

        return writer.Encode();
    }

    /// <summary>The encoded ContentInfo over <paramref name="content"/> (detached).</summary>
    public byte[] Build(byte[] content)
    {
        var minimal = EncodeSignedAttributes(content);
        var body = minimal.AsSpan(minimal.Length - new AsnReader(minimal, AsnEncodingRules.DER).PeekContentBytes().Length).ToArray();
        byte[] longForm = [0xA0, 0x84, .. BitConverter.GetBytes(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(body.Length)), .. body];
        var signedAttributes = LongFormAttributesLength ? longForm : minimal;
        var toSign = (byte[])(LongFormAttributesLength && SignAsTransmitted ? longForm : minimal).Clone();
        toSign[0] = 0x31; // RFC 5652 §5.4: the signature covers the SET OF, not the [0] IMPLICIT form.
        var (signatureOid, signature) = Sign(toSign);

        // BER: SET OF contents stay in the order written (DER would sort them), and non-DER lengths may be embedded.
        var writer = new AsnWriter(AsnEncodingRules.BER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier("1.2.840.113549.1.7.2");
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
            using (writer.PushSequence())
            {
                writer.WriteInteger(1);
                using (writer.PushSetOf())
                {
                    WriteAlgorithm(writer, OidSha256);
                }

                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(OidData);
                }

                using (writer.PushSetOf(new Asn1Tag(TagClass.ContextSpecific, 0)))
                {
                    foreach (var certificate in ExtraCertificates.Prepend(Signer))
                    {
                        writer.WriteEncodedValue(certificate.RawData);
                    }
                }

                using (writer.PushSetOf())
                using (writer.PushSequence())
                {
                    writer.WriteInteger(1);
                    using (writer.PushSequence())
                    {
                        writer.WriteEncodedValue(Signer.IssuerName.RawData);
                        writer.WriteInteger(Signer.SerialNumberBytes.Span, null);
                    }

                    WriteAlgorithm(writer, OidSha256);
                    writer.WriteEncodedValue(signedAttributes);
                    WriteAlgorithm(writer, signatureOid);
                    writer.WriteOctetString(signature);
                }
            }
        }

        return writer.Encode();
    }

    private byte[] EncodeSignedAttributes(byte[] content)
    {
        var attributes = new List<byte[]>
        {
            Attribute(OidContentType, Encode(w => w.WriteObjectIdentifier(OidData))),
            Attribute(OidSigningTime, Encode(w => w.WriteUtcTime(SigningTime))),
            Attribute(OidMessageDigest, Encode(w => w.WriteOctetString(SHA256.HashData(content)))),
        };
        attributes.AddRange(_attributes.Select(a => Attribute(a.Oid, [.. a.Values])));
        return Tagged(0xA0, attributes);
    }

    // A SET OF written without sorting: the bytes are exactly the given elements in the given order.
    private static byte[] Attribute(string oid, params byte[][] values)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(oid);
            writer.WriteEncodedValue(Tagged(0x31, values));
        }

        return writer.Encode();
    }

    private static byte[] Tagged(byte tag, IEnumerable<byte[]> elements)
    {
        var body = elements.SelectMany(e => e).ToArray();
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteOctetString(body); // borrow the length encoding, then swap the tag
        var encoded = writer.Encode();
        encoded[0] = tag;
        return encoded;
    }

    private static byte[] Encode(Action<AsnWriter> write)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        write(writer);
        return writer.Encode();
    }

    private static void WriteAlgorithm(AsnWriter writer, string oid)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(oid);
        }
    }

    private (string Oid, byte[] Signature) Sign(byte[] data)
    {
        if (Signer.GetRSAPrivateKey() is { } rsa)
        {
            using (rsa)
            {
                return ("1.2.840.113549.1.1.1", rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
            }
        }

        using var ecdsa = Signer.GetECDsaPrivateKey() ?? throw new InvalidOperationException("the signer has no RSA or EC private key");
        return ("1.2.840.10045.4.3.2", ecdsa.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
    }
}
