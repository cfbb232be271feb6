using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SigWatch.TestSupport.Builders;

/// <summary>
/// Builds flat installer packages (xar) the way Apple's xar writes them (docs/installer-packages.md): 28-byte header,
/// zlib TOC, heap = [SHA-1 TOC checksum][RSA signature][CMS x-signature][files], each file with its archived and
/// extracted SHA-1. Signing uses a key and certificates the test supplies (never Apple's), so chains are untrusted.
/// </summary>
public sealed class XarBuilder
{
    private readonly List<(string Name, byte[] Stored, long Size, string Encoding, byte[] Extracted)> _files = [];

    /// <summary>The signer: leaf first, then its issuers; null for an unsigned package.</summary>
    public (RSA Key, IReadOnlyList<X509Certificate2> Chain)? Signer { get; init; }

    /// <summary>Also add a detached CMS x-signature over the checksum (what productsign adds).</summary>
    public bool WithCms { get; init; }

    public XarBuilder WithFile(string name, byte[] data, bool zlib = false)
    {
        _files.Add((name, zlib ? Zlib(data) : data, data.Length, zlib ? "application/x-gzip" : "application/octet-stream", data));
        return this;
    }

    /// <summary>
    /// A file stored as given, declared as encoded in <paramref name="encoding"/> (e.g. "application/x-bzip2") and
    /// <paramref name="size"/> bytes decoded; its extracted checksum is the stored bytes' (they may not decode at all).
    /// </summary>
    public XarBuilder WithStoredFile(string name, byte[] stored, long size, string encoding)
    {
        _files.Add((name, stored, size, encoding, stored));
        return this;
    }

    /// <summary>A component package: PackageInfo (zlib-encoded, as "application/x-gzip") and a Payload.</summary>
    public static XarBuilder Component(string identifier, string version, string installLocation, bool withScripts = false,
        (RSA Key, IReadOnlyList<X509Certificate2> Chain)? signer = null, bool withCms = false)
    {
        var scripts = withScripts ? "<scripts><preinstall file=\"./preinstall\"/><postinstall file=\"./postinstall\"/></scripts>" : string.Empty;
        var info = $"<?xml version=\"1.0\" encoding=\"utf-8\"?><pkg-info format-version=\"2\" identifier=\"{identifier}\" version=\"{version}\" install-location=\"{installLocation}\" auth=\"root\">{scripts}</pkg-info>";
        return new XarBuilder { Signer = signer, WithCms = withCms }
            .WithFile("PackageInfo", Encoding.UTF8.GetBytes(info), zlib: true)
            .WithFile("Payload", Encoding.UTF8.GetBytes(new string('p', 5000)));
    }

    public byte[] Build()
    {
        const int checksumSize = 20;
        var rsaSize = Signer is { } s ? s.Key.KeySize / 8 : 0;
        const int cmsReserve = 8192;
        var heapFiles = new List<byte[]>();
        var fileXml = new StringBuilder();
        long offset = checksumSize + rsaSize + (Signer is not null && WithCms ? cmsReserve : 0);
        var id = 1;
        // A name "dir/name" is a file inside the directory "dir", as productbuild stores each component package
        // (<file><type>directory</type> holding its files); directories come where their first file comes.
        var top = new List<(string? Directory, StringBuilder Xml)>();
        foreach (var (name, stored, size, encoding, extracted) in _files)
        {
            var slash = name.IndexOf('/', StringComparison.Ordinal);
            var directory = slash < 0 ? null : name[..slash];
            var xml = directory is null ? null : top.FirstOrDefault(t => t.Directory == directory).Xml;
            if (xml is null)
            {
                xml = new StringBuilder();
                top.Add((directory, xml));
            }

            xml.Append($"<file id=\"{id++}\"><name>{name[(slash + 1)..]}</name><type>file</type><data><offset>{offset}</offset><length>{stored.Length}</length><size>{size}</size>"
                + $"<encoding style=\"{encoding}\"/><archived-checksum style=\"sha1\">{Hex(SHA1.HashData(stored))}</archived-checksum>"
                + $"<extracted-checksum style=\"sha1\">{Hex(SHA1.HashData(extracted))}</extracted-checksum></data></file>");
            heapFiles.Add(stored);
            offset += stored.Length;
        }

        foreach (var (directory, xml) in top)
        {
            fileXml.Append(directory is null ? xml.ToString() : $"<file id=\"{id++}\"><name>{directory}</name><type>directory</type>{xml}</file>");
        }

        var signatureXml = new StringBuilder();
        if (Signer is { } signer)
        {
            var certificates = string.Concat(signer.Chain.Select(c => $"<X509Certificate>{Convert.ToBase64String(c.RawData, Base64FormattingOptions.InsertLineBreaks)}</X509Certificate>"));
            var keyInfo = $"<KeyInfo xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><X509Data>{certificates}</X509Data></KeyInfo>";
            signatureXml.Append($"<signature style=\"RSA\"><offset>{checksumSize}</offset><size>{rsaSize}</size>{keyInfo}</signature>");
            if (WithCms)
            {
                signatureXml.Append($"<x-signature style=\"CMS\"><offset>{checksumSize + rsaSize}</offset><size>{cmsReserve}</size>{keyInfo}</x-signature>");
            }
        }

        var toc = Encoding.UTF8.GetBytes(
            $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><xar><toc><creation-time>2026-12-02T12:00:00</creation-time>"
            + $"<checksum style=\"sha1\"><offset>0</offset><size>{checksumSize}</size></checksum>{signatureXml}{fileXml}</toc></xar>");
        var compressed = Zlib(toc);
        var checksum = SHA1.HashData(compressed);
        using var output = new MemoryStream();
        Span<byte> header = stackalloc byte[28];
        BinaryPrimitives.WriteUInt32BigEndian(header, 0x78617221);
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], 28);
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], 1);
        BinaryPrimitives.WriteUInt64BigEndian(header[8..], (ulong)compressed.Length);
        BinaryPrimitives.WriteUInt64BigEndian(header[16..], (ulong)toc.Length);
        BinaryPrimitives.WriteUInt32BigEndian(header[24..], 1);
        output.Write(header);
        output.Write(compressed);
        output.Write(checksum);
        if (Signer is { } sign)
        {
            // Apple xar: PKCS#1 v1.5 with the checksum as the DigestInfo's SHA-1 digest.
            output.Write(sign.Key.SignHash(checksum, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1));
            if (WithCms)
            {
                var cms = new SignedCms(new ContentInfo(checksum), detached: true);
                var cmsSigner = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, sign.Chain[0].CopyWithPrivateKey(sign.Key))
                {
                    DigestAlgorithm = new Oid("2.16.840.1.101.3.4.2.1"),
                };
                cmsSigner.Certificates.AddRange(sign.Chain.Skip(1).ToArray());
                cms.ComputeSignature(cmsSigner);
                var encoded = cms.Encode();
                var reserved = new byte[cmsReserve];
                encoded.CopyTo(reserved, 0);
                output.Write(reserved);
            }
        }

        foreach (var data in heapFiles)
        {
            output.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>
    /// A product archive as productbuild writes it: a Distribution (zlib-encoded) naming one component, and the component
    /// package as the directory <c>&lt;identifier&gt;.pkg</c> with its PackageInfo and Payload.
    /// </summary>
    public static XarBuilder Product(string identifier, string version, bool distributionRunsScripts = false)
    {
        var script = distributionRunsScripts ? "<script>function check() { return true; }</script><installation-check script=\"check()\"/>" : string.Empty;
        var distribution = "<?xml version=\"1.0\" encoding=\"utf-8\"?><installer-gui-script minSpecVersion=\"2\"><title>Test</title>"
            + $"{script}<pkg-ref id=\"{identifier}\" version=\"{version}\">#{identifier}.pkg</pkg-ref>"
            + $"<choices-outline><line choice=\"default\"/></choices-outline><choice id=\"default\"><pkg-ref id=\"{identifier}\"/></choice></installer-gui-script>";
        var info = $"<?xml version=\"1.0\" encoding=\"utf-8\"?><pkg-info format-version=\"2\" identifier=\"{identifier}\" version=\"{version}\" install-location=\"/\" auth=\"root\"/>";
        return new XarBuilder()
            .WithFile("Distribution", Encoding.UTF8.GetBytes(distribution), zlib: true)
            .WithFile($"{identifier}.pkg/PackageInfo", Encoding.UTF8.GetBytes(info), zlib: true)
            .WithFile($"{identifier}.pkg/Payload", Encoding.UTF8.GetBytes(new string('p', 2000)));
    }

    /// <summary>A notarization trailer as stapler appends it: terminator, ticket bytes, ticket trailer (16 bytes each, little-endian).</summary>
    public static byte[] Staple(byte[] package, byte[] ticket)
    {
        static byte[] Trailer(ushort type, uint length)
        {
            var t = new byte[16];
            "t8lr"u8.CopyTo(t);
            BinaryPrimitives.WriteUInt16LittleEndian(t.AsSpan(4), 1);
            BinaryPrimitives.WriteUInt16LittleEndian(t.AsSpan(6), type);
            BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(8), length);
            return t;
        }

        return [.. package, .. Trailer(1, 0), .. ticket, .. Trailer(2, (uint)ticket.Length)];
    }

    /// <summary>A self-made CA and a leaf it issued, with an RSA key: a valid signature that chains to no Apple root.</summary>
    public static (RSA Key, IReadOnlyList<X509Certificate2> Chain) TestSigner(string name = "SigWatch Test Installer")
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=SigWatch Test Installer CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        var key = RSA.Create(2048);
        var leafRequest = new CertificateRequest($"CN={name}, OU=TESTTEAM01", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var leaf = leafRequest.Create(ca, now.AddDays(-1), now.AddMonths(6), [1, 2, 3, 4]);
        return (key, [leaf, X509CertificateLoader.LoadCertificate(ca.RawData)]);
    }

    private static byte[] Zlib(byte[] data)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(data);
        }

        return output.ToArray();
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
