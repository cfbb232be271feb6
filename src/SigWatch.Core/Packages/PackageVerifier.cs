using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Xml;
using System.Xml.Linq;
using SigWatch.Core.Binary;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.Verification;

namespace SigWatch.Core.Packages;

/// <summary>
/// Verifies a flat installer package (xar) as <c>pkgutil --check-signature</c> answers, plus every file's archived
/// checksum: the TOC checksum (a hash of the compressed TOC, stored in the heap), the RSA signature over that checksum
/// with the certificates in the TOC, the CMS <c>x-signature</c> when present, the chain to Apple's roots and the
/// installer certificate profile, the stapled notarization trailer, and the component packages (docs/installer-packages.md).
/// </summary>
public sealed class PackageVerifier(TimeProvider? clock = null)
{
    public const string Kind = "installer-package";

    /// <summary>More certificates than this in one signature is not a chain (real ones: 3).</summary>
    public const int MaxCertificates = 10;

    /// <summary>A PackageInfo or Distribution larger than this (decoded) is not read (real ones: a few KiB).</summary>
    public const int MaxMetadataBytes = 1 << 20;

    /// <summary>A stapled ticket larger than this is not believed (real ones: a few KiB).</summary>
    public const int MaxTicketBytes = 1 << 20;

    public const string OidDeveloperIdInstallerLeaf = "1.2.840.113635.100.6.1.14";
    public const string OidMacInstallerDistributionLeaf = "1.2.840.113635.100.6.1.8";

    private const int ReadBufferBytes = 1 << 20;
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public static bool IsPackage(string path)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        Span<byte> start = stackalloc byte[4];
        return RandomAccess.Read(file, start, 0) == 4 && XarArchive.HasMagic(start);
    }

    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be opened.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired while the files were hashed.</exception>
    public PackageReport Verify(string path, CancellationToken cancellationToken = default)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        return Verify(path, RandomAccess.GetLength(file), RandomAccessReader.Of(file), cancellationToken);
    }

    /// <summary>A package already in memory (the fuzzer's input; tests).</summary>
    public PackageReport Verify(string path, ReadOnlyMemory<byte> package) => Verify(path, package.Length, RandomAccessReader.Of(package), default);

    private PackageReport Verify(string path, long length, ReadAt read, CancellationToken cancellationToken)
    {
        var report = new PackageReport { Path = path };
        void Add(FindingKind kind, FindingSeverity severity, string detail, long? offset = null) =>
            report.Findings.Add(new Finding(kind, severity, detail, path, null, offset));

        XarArchive xar;
        try
        {
            xar = XarArchive.Read(read, length);
        }
        catch (MalformedDataException e)
        {
            Add(FindingKind.MalformedPackage, FindingSeverity.Error, e.Message, e.Offset);
            return report.Finish();
        }

        report.TicketBytes = StapledTicket(read, length, out var trailerStart);
        var checksum = CheckTocChecksum(xar, read, report, Add);
        if (checksum is not null)
        {
            CheckSignatures(xar, read, checksum, report, Add);
        }

        CheckArchivedChecksums(xar, read, trailerStart, report, Add, cancellationToken);
        ListComponents(xar, read, report, Add);
        return report.Finish();
    }

    private static byte[]? CheckTocChecksum(XarArchive xar, ReadAt read, PackageReport report,
        Action<FindingKind, FindingSeverity, string, long?> add)
    {
        if (xar.ChecksumHash is not { } algorithm)
        {
            add(FindingKind.MalformedPackage, FindingSeverity.Error,
                $"the header names checksum algorithm {xar.ChecksumAlgorithm}; Apple's xar accepts only SHA-1, SHA-256 and SHA-512", 24);
            return null;
        }

        var element = xar.Toc.Element("checksum");
        var style = (string?)element?.Attribute("style");
        report.ChecksumStyle = style;
        if (element is null || !ulong.TryParse((string?)element.Element("offset"), NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            || !ulong.TryParse((string?)element.Element("size"), NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            add(FindingKind.MalformedPackage, FindingSeverity.Error, "the TOC has no <checksum> with an offset and a size", null);
            return null;
        }

        if (!string.Equals(style, algorithm.Name, StringComparison.OrdinalIgnoreCase))
        {
            // Apple's xar_open: "Checksum style mismatch!"
            add(FindingKind.MalformedPackage, FindingSeverity.Error, $"the TOC's checksum style '{style}' is not the header's {algorithm.Name}", null);
            return null;
        }

        var computed = CryptographicOperations.HashData(algorithm, xar.CompressedToc.Span);
        if (size != (ulong)computed.Length || !xar.TryHeapRange(offset, size, out var at))
        {
            add(FindingKind.MalformedPackage, FindingSeverity.Error,
                $"the TOC checksum's heap range (offset {offset}, {size} bytes) is not a {computed.Length}-byte range inside the heap", null);
            return null;
        }

        var stored = new byte[computed.Length];
        read(stored, at);
        report.Checksum = Convert.ToHexStringLower(computed);
        if (!stored.AsSpan().SequenceEqual(computed))
        {
            add(FindingKind.TocChecksumMismatch, FindingSeverity.Error,
                $"the {algorithm.Name} of the compressed TOC is {Convert.ToHexStringLower(computed)} but the heap holds {Convert.ToHexStringLower(stored)}: the TOC or its checksum was changed",
                at);
            report.ChecksumValid = false;
            return null;
        }

        report.ChecksumValid = true;
        return computed;
    }

    private void CheckSignatures(XarArchive xar, ReadAt read, byte[] checksum, PackageReport report,
        Action<FindingKind, FindingSeverity, string, long?> add)
    {
        var rsa = xar.Toc.Element("signature");
        var cms = xar.Toc.Elements("x-signature").FirstOrDefault(e => string.Equals((string?)e.Attribute("style"), "CMS", StringComparison.OrdinalIgnoreCase));
        if (rsa is null && cms is null)
        {
            add(FindingKind.NotSigned, FindingSeverity.Error, "the package is not signed (its TOC has no <signature>)", null);
            return;
        }

        report.SignatureStyles = [.. new[] { rsa is null ? null : (string?)rsa.Attribute("style") ?? "RSA", cms is null ? null : "CMS" }.OfType<string>()];
        var certificates = Certificates(rsa ?? cms!, add);
        if (certificates.Count == 0)
        {
            return;
        }

        var leaf = certificates[0];
        var valid = true;
        if (rsa is not null && HeapBytes(xar, read, rsa, "signature", add) is { } rsaSignature)
        {
            valid &= VerifyRsa(leaf, checksum, rsaSignature, xar.ChecksumHash!.Value, add);
        }
        else if (rsa is not null)
        {
            valid = false;
        }

        DateTimeOffset? timestamp = null;
        if (cms is not null && HeapBytes(xar, read, cms, "x-signature", add) is { } cmsBytes)
        {
            (var cmsValid, timestamp) = VerifyCms(checksum, cmsBytes, add);
            valid &= cmsValid;
        }
        else if (cms is not null)
        {
            valid = false;
        }

        report.SignatureValid = valid;
        report.Timestamp = timestamp;
        report.Certificates = [.. certificates.Select(CertificateInfo.From)];
        var time = timestamp ?? _clock.GetUtcNow();
        var chain = CmsSignatureVerifier.EvaluateChainUncached(leaf, [.. certificates], time);
        report.ChainTrusted = chain.Trusted;
        report.Anchor = chain.Anchor;
        report.Classification = !valid ? "untrusted"
            : !chain.Trusted ? "untrusted"
            : HasExtension(leaf, OidDeveloperIdInstallerLeaf) && chain.Elements.Count == 3 && HasExtension(chain.Elements[1], AppleTrust.IntermediateDeveloperId) ? "developer-id-installer"
            : HasExtension(leaf, OidMacInstallerDistributionLeaf) ? "mac-installer-distribution"
            : "apple-anchored";
        if (!chain.Trusted)
        {
            add(FindingKind.CertificateChainUntrusted, FindingSeverity.Error,
                $"the signer's chain does not end at a pinned Apple root: {chain.Problem}", null);
        }
        else if (report.Classification == "developer-id-installer")
        {
            add(FindingKind.NotarizationNotChecked, FindingSeverity.Info,
                report.TicketBytes is null ? "notarization not checked (offline; no ticket stapled)" : "notarization ticket stapled (its Apple signature is not verified offline)", null);
        }

        foreach (var (certificate, _, _) in chain.Expired)
        {
            add(FindingKind.CertificateExpired, timestamp is null ? FindingSeverity.Error : FindingSeverity.Warning,
                $"'{certificate.Subject}' is not valid at {time:u}{(timestamp is null ? " (no trusted timestamp: the check time is now)" : " (the trusted timestamp)")}", null);
        }
    }

    private static List<X509Certificate2> Certificates(XElement signature, Action<FindingKind, FindingSeverity, string, long?> add)
    {
        var encoded = signature.Descendants().Where(e => e.Name.LocalName == "X509Certificate").Select(e => e.Value).ToList();
        if (encoded.Count == 0 || encoded.Count > MaxCertificates)
        {
            add(FindingKind.MalformedPackage, FindingSeverity.Error,
                $"the signature carries {encoded.Count} certificates; a chain has 1 to {MaxCertificates}", null);
            return [];
        }

        var certificates = new List<X509Certificate2>();
        foreach (var text in encoded)
        {
            try
            {
                // Base64 with line breaks; leaf first (xar.1 --cert-loc, rcodesign verify_rsa_checksum_signature).
                certificates.Add(X509CertificateLoader.LoadCertificate(Convert.FromBase64String(string.Concat(text.Where(c => !char.IsWhiteSpace(c))))));
            }
            catch (Exception e) when (e is FormatException or CryptographicException)
            {
                add(FindingKind.MalformedPackage, FindingSeverity.Error, $"a certificate in the signature cannot be read: {e.Message}", null);
                return [];
            }
        }

        return certificates;
    }

    private static byte[]? HeapBytes(XarArchive xar, ReadAt read, XElement element, string name,
        Action<FindingKind, FindingSeverity, string, long?> add)
    {
        if (!ulong.TryParse((string?)element.Element("offset"), NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            || !ulong.TryParse((string?)element.Element("size"), NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            || size == 0 || size > MaxMetadataBytes || !xar.TryHeapRange(offset, size, out var at))
        {
            add(FindingKind.MalformedPackage, FindingSeverity.Error, $"<{name}> does not name a range of 1 to {MaxMetadataBytes} bytes inside the heap", null);
            return null;
        }

        var bytes = new byte[size];
        if (read(bytes, at) != bytes.Length)
        {
            add(FindingKind.MalformedPackage, FindingSeverity.Error, $"<{name}>: the file ended inside its {size} bytes", at);
            return null;
        }

        return bytes;
    }

    /// <summary>
    /// PKCS#1 v1.5 whose DigestInfo digest is the checksum itself (Apple xar, xar.1 --digestinfo-to-sign); packages
    /// signed by rcodesign sign the checksum as a message with SHA-256 instead, so that form is accepted too.
    /// </summary>
    private static bool VerifyRsa(X509Certificate2 leaf, byte[] checksum, byte[] signature, HashAlgorithmName algorithm,
        Action<FindingKind, FindingSeverity, string, long?> add)
    {
        using var key = leaf.GetRSAPublicKey();
        if (key is null)
        {
            add(FindingKind.CmsSignatureInvalid, FindingSeverity.Error, "the signing certificate has no RSA key, but the signature style is RSA", null);
            return false;
        }

        if (key.VerifyHash(checksum, signature, algorithm, RSASignaturePadding.Pkcs1)
            || key.VerifyData(checksum, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return true;
        }

        add(FindingKind.CmsSignatureInvalid, FindingSeverity.Error,
            "the RSA signature does not verify over the TOC checksum with the signing certificate's key", null);
        return false;
    }

    private static (bool Valid, DateTimeOffset? Timestamp) VerifyCms(byte[] checksum, byte[] cmsBytes, Action<FindingKind, FindingSeverity, string, long?> add)
    {
        try
        {
            // Zero-padded to its reserved size: Decode reads the leading value and ignores the rest.
            var signed = new SignedCms(new ContentInfo(checksum), detached: true);
            signed.Decode(cmsBytes);
            signed.CheckSignature(verifySignatureOnly: true);
            DateTimeOffset? time = null;
            foreach (var attribute in signed.SignerInfos[0].SignedAttributes)
            {
                if (attribute.Oid?.Value == AppleTrust.OidSigningTime && attribute.Values.Count > 0)
                {
                    time = new Pkcs9SigningTime(attribute.Values[0].RawData).SigningTime;
                }
            }

            return (true, time);
        }
        catch (CryptographicException e)
        {
            add(FindingKind.CmsSignatureInvalid, FindingSeverity.Error, $"the CMS x-signature does not verify over the TOC checksum: {e.Message}", null);
            return (false, null);
        }
    }

    /// <summary>Each file's (and extended attribute's) heap bytes against its archived checksum, streamed.</summary>
    private static void CheckArchivedChecksums(XarArchive xar, ReadAt read, long heapEnd, PackageReport report,
        Action<FindingKind, FindingSeverity, string, long?> add, CancellationToken cancellationToken)
    {
        var buffer = new byte[ReadBufferBytes];
        long maxEnd = xar.HeapOffset;
        foreach (var data in xar.Toc.Descendants("data"))
        {
            var name = PathOf(data.Parent);
            if (!ulong.TryParse((string?)data.Element("offset"), NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
                || !ulong.TryParse((string?)data.Element("length"), NumberStyles.None, CultureInfo.InvariantCulture, out var dataLength)
                || !xar.TryHeapRange(offset, dataLength, out var at) || at + (long)dataLength > heapEnd)
            {
                add(FindingKind.MalformedPackage, FindingSeverity.Error, $"{name}: its data does not lie inside the heap", null);
                continue;
            }

            maxEnd = Math.Max(maxEnd, at + (long)dataLength);
            var checksum = data.Element("archived-checksum");
            if (checksum is null || AlgorithmOf((string?)checksum.Attribute("style")) is not { } algorithm)
            {
                continue;
            }

            using var hash = IncrementalHash.CreateHash(algorithm);
            for (long done = 0; done < (long)dataLength;)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var n = read(buffer.AsSpan(0, (int)Math.Min(buffer.Length, (long)dataLength - done)), at + done);
                if (n == 0)
                {
                    break;
                }

                hash.AppendData(buffer, 0, n);
                done += n;
            }

            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (!string.Equals(actual, checksum.Value.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                add(FindingKind.ArchivedChecksumMismatch, FindingSeverity.Error,
                    $"{name}: its {algorithm.Name} in the heap is {actual}, the TOC records {checksum.Value.Trim()}: the package's contents were changed", at);
            }
        }

        report.TrailingBytes = heapEnd - maxEnd;
    }

    private static void ListComponents(XarArchive xar, ReadAt read, PackageReport report,
        Action<FindingKind, FindingSeverity, string, long?> add)
    {
        var top = xar.Toc.Elements("file").ToList();
        var distribution = top.FirstOrDefault(f => (string?)f.Element("name") == "Distribution");
        report.Flavor = distribution is not null ? "product" : top.Any(f => (string?)f.Element("name") == "PackageInfo") ? "component" : "unknown";
        if (report.Flavor == "component")
        {
            report.Components.Add(Component(xar, read, null, top, add));
            return;
        }

        foreach (var directory in top.Where(f => ((string?)f.Element("name"))?.EndsWith(".pkg", StringComparison.Ordinal) == true))
        {
            report.Components.Add(Component(xar, read, (string?)directory.Element("name"), [.. directory.Elements("file")], add));
        }

        if (distribution is not null && Metadata(xar, read, distribution, add) is { } script)
        {
            report.DistributionRunsScripts = script.Descendants().Any(e => e.Name.LocalName is "script" or "installation-check" or "volume-check");
        }
    }

    private static PackageComponent Component(XarArchive xar, ReadAt read, string? directory, List<XElement> files,
        Action<FindingKind, FindingSeverity, string, long?> add)
    {
        var info = files.FirstOrDefault(f => (string?)f.Element("name") == "PackageInfo") is { } file ? Metadata(xar, read, file, add) : null;
        var scripts = info?.Element("scripts")?.Elements().Select(e => e.Name.LocalName).ToList() ?? [];
        if (scripts.Count == 0 && files.Any(f => (string?)f.Element("name") == "Scripts"))
        {
            scripts.Add("Scripts");
        }

        return new PackageComponent(directory ?? ".", (string?)info?.Attribute("identifier"), (string?)info?.Attribute("version"),
            (string?)info?.Attribute("install-location"), scripts, info is not null);
    }

    /// <summary>A small XML file's content (PackageInfo, Distribution), decoded: stored, zlib ("x-gzip") or bzip2; null when unreadable.</summary>
    private static XElement? Metadata(XarArchive xar, ReadAt read, XElement file, Action<FindingKind, FindingSeverity, string, long?> add)
    {
        var data = file.Element("data");
        var name = PathOf(file);
        if (data is null
            || !ulong.TryParse((string?)data.Element("offset"), NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            || !ulong.TryParse((string?)data.Element("length"), NumberStyles.None, CultureInfo.InvariantCulture, out var length)
            || length > MaxMetadataBytes || !xar.TryHeapRange(offset, length, out var at))
        {
            add(FindingKind.MalformedPackage, FindingSeverity.Warning, $"{name}: not read (no data, or more than {MaxMetadataBytes} bytes)", null);
            return null;
        }

        var bytes = new byte[length];
        read(bytes, at);
        var encoding = (string?)data.Element("encoding")?.Attribute("style");
        try
        {
            using Stream raw = new MemoryStream(bytes);
            using Stream decoded = encoding switch
            {
                "application/x-gzip" => new ZLibStream(raw, CompressionMode.Decompress),
                "application/x-bzip2" => new Bzip2Guard(raw),
                _ => raw,
            };
            var limited = new MemoryStream();
            var chunk = new byte[8192];
            int n;
            while ((n = decoded.Read(chunk, 0, chunk.Length)) > 0)
            {
                limited.Write(chunk, 0, n);
                if (limited.Length > MaxMetadataBytes)
                {
                    add(FindingKind.MalformedPackage, FindingSeverity.Warning, $"{name}: decodes to more than {MaxMetadataBytes} bytes; not read", null);
                    return null;
                }
            }

            limited.Position = 0;
            using var reader = XmlReader.Create(limited, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            return XElement.Load(reader);
        }
        catch (Exception e) when (e is InvalidDataException or XmlException or IOException)
        {
            add(FindingKind.MalformedPackage, FindingSeverity.Warning, $"{name}: cannot be decoded ({encoding}): {e.Message}", null);
            return null;
        }
    }

    /// <summary>
    /// SharpZipLib's bzip2 decoder, with whatever it throws turned into <see cref="InvalidDataException"/>: it indexes its
    /// tables with values from the stream and lets a corrupt one surface as IndexOutOfRangeException (found by fuzzing
    /// a real package's PackageInfo). Only the decoder runs inside the handlers, so nothing of ours is hidden by them.
    /// </summary>
    private sealed class Bzip2Guard : Stream
    {
        private readonly Stream _decoder;

        public Bzip2Guard(Stream compressed) => _decoder = Guard(() => new ICSharpCode.SharpZipLib.BZip2.BZip2InputStream(compressed));

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Guard(() => _decoder.Read(buffer, offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _decoder.Dispose();
            }

            base.Dispose(disposing);
        }

        private static T Guard<T>(Func<T> decode)
        {
            try
            {
                return decode();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidDataException($"not a bzip2 stream: {e.Message}", e);
            }
        }
    }

    /// <summary>
    /// The notarization trailer stapler appends (reference §9; SEC notarization.cpp): 16 little-endian bytes "t8lr",
    /// version, type (1 terminator, 2 ticket), length. Returns the ticket's size, and where the xar's own bytes end.
    /// </summary>
    private static int? StapledTicket(ReadAt read, long length, out long contentEnd)
    {
        contentEnd = length;
        Span<byte> trailer = stackalloc byte[16];
        var at = length - 16;
        int? ticket = null;
        for (var step = 0; step < 8 && at >= XarArchive.HeaderSize; step++)
        {
            if (read(trailer, at) != 16 || !trailer[..4].SequenceEqual("t8lr"u8) || BinaryPrimitives.ReadUInt16LittleEndian(trailer[4..]) != 1)
            {
                break;
            }

            var type = BinaryPrimitives.ReadUInt16LittleEndian(trailer[6..]);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(trailer[8..]);
            if (type == 1)
            {
                contentEnd = at;
                break;
            }

            if (size > MaxTicketBytes || size > at)
            {
                break;
            }

            if (type == 2)
            {
                ticket ??= (int)size;
            }

            at -= 16 + size;
            contentEnd = at + 16;
        }

        return ticket;
    }

    private static string PathOf(XElement? file)
    {
        var names = new List<string>();
        for (var e = file; e is not null && e.Name.LocalName == "file"; e = e.Parent)
        {
            names.Add((string?)e.Element("name") ?? "?");
        }

        names.Reverse();
        return names.Count == 0 ? "(toc)" : string.Join('/', names);
    }

    private static HashAlgorithmName? AlgorithmOf(string? style) => style?.ToLowerInvariant() switch
    {
        "sha1" => HashAlgorithmName.SHA1,
        "sha256" => HashAlgorithmName.SHA256,
        "sha512" => HashAlgorithmName.SHA512,
        "md5" => HashAlgorithmName.MD5,
        _ => null,
    };

    private static bool HasExtension(X509Certificate2 certificate, string oid) => certificate.Extensions.Any(e => e.Oid?.Value == oid);
}

/// <summary>What <see cref="PackageVerifier"/> found; the verdict follows from the findings.</summary>
public sealed class PackageReport
{
    public required string Path { get; init; }

    public SignatureVerdict Verdict { get; private set; } = SignatureVerdict.Unsigned;

    public List<Finding> Findings { get; } = [];

    /// <summary>"product" (a Distribution and component .pkg directories), "component" (PackageInfo at the top), "unknown".</summary>
    public string Flavor { get; set; } = "unknown";

    public string? ChecksumStyle { get; set; }

    public string? Checksum { get; set; }

    public bool? ChecksumValid { get; set; }

    /// <summary>"RSA" and/or "CMS"; empty when unsigned.</summary>
    public IReadOnlyList<string> SignatureStyles { get; set; } = [];

    public bool? SignatureValid { get; set; }

    /// <summary>developer-id-installer, mac-installer-distribution, apple-anchored (Apple root, unrecognised leaf), untrusted, unsigned.</summary>
    public string Classification { get; set; } = "unsigned";

    public IReadOnlyList<CertificateInfo> Certificates { get; set; } = [];

    public bool ChainTrusted { get; set; }

    public string? Anchor { get; set; }

    /// <summary>The CMS signature's signing time (the signer's clock); null without a CMS signature.</summary>
    public DateTimeOffset? Timestamp { get; set; }

    /// <summary>The stapled notarization ticket's size; null when none is stapled.</summary>
    public int? TicketBytes { get; set; }

    public List<PackageComponent> Components { get; } = [];

    /// <summary>The Distribution has JavaScript (installation or volume checks, scripts) that Installer runs.</summary>
    public bool DistributionRunsScripts { get; set; }

    /// <summary>Bytes between the end of the last heap extent and the end of the file (or its stapled trailer).</summary>
    public long TrailingBytes { get; set; }

    internal PackageReport Finish()
    {
        Verdict = Findings.Any(f => f.Severity == FindingSeverity.Error && f.Kind != FindingKind.NotSigned) ? SignatureVerdict.Invalid
            : Findings.Any(f => f.Kind == FindingKind.NotSigned) ? SignatureVerdict.Unsigned
            : SignatureVerdict.Valid;
        return this;
    }
}

/// <param name="Directory">"." for a component package; the component's directory (e.g. "app.pkg") in a product archive.</param>
/// <param name="Scripts">PackageInfo's script names (preinstall, postinstall), or "Scripts" when only that archive is present.</param>
/// <param name="InfoRead">False when PackageInfo is absent or could not be decoded (the other fields are then null).</param>
public sealed record PackageComponent(string Directory, string? Identifier, string? Version, string? InstallLocation, IReadOnlyList<string> Scripts,
    bool InfoRead);
