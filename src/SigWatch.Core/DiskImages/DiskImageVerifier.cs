using System.Security.Cryptography;
using SigWatch.Core.Binary;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.Verification;

namespace SigWatch.Core.DiskImages;

/// <summary>
/// Verifies a UDIF disk image's embedded signature the way SEC's DiskImageRep does (reference §4, §5, §9): the
/// SuperBlob the koly trailer points at, one code slot over the image's bytes up to the signature (page size 0),
/// special slot −6 over the trailer as the signer saw it, the CMS and chain as for Mach-O, and the stapled ticket
/// (slot 0x10002, not hashed). The image is read as a stream: gigabytes cost time, never memory.
/// </summary>
public sealed class DiskImageVerifier(CodeSignatureVerifierOptions? options = null)
{
    /// <summary>The kind name in reports and <c>check --json</c>.</summary>
    public const string Kind = "disk-image";

    /// <summary>A DMG signature is a CodeDirectory, requirements, a CMS and maybe a ticket: kilobytes. Anything larger is refused unread.</summary>
    public const long MaxSignatureBytes = 16 << 20;

    private const string Architecture = "disk-image";
    private const int ReadBufferBytes = 1 << 20;

    private readonly CodeSignatureVerifierOptions _options = options ?? new CodeSignatureVerifierOptions();

    /// <summary>True when the file ends in a koly trailer: a UDIF disk image, whatever its name.</summary>
    public static bool IsDiskImage(string path)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var length = RandomAccess.GetLength(file);
        if (length < UdifTrailer.Size)
        {
            return false;
        }

        Span<byte> last = stackalloc byte[UdifTrailer.Size];
        return RandomAccess.Read(file, last, length - UdifTrailer.Size) == UdifTrailer.Size && UdifTrailer.HasMagic(last);
    }

    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be opened.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired while the image was hashed.</exception>
    public DiskImageReport Verify(string path, CancellationToken cancellationToken = default)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        return Verify(path, RandomAccess.GetLength(file), RandomAccessReader.Of(file), cancellationToken);
    }

    /// <summary>An image already in memory (the fuzzer's input; tests).</summary>
    public DiskImageReport Verify(string path, ReadOnlyMemory<byte> image) => Verify(path, image.Length, RandomAccessReader.Of(image), default);

    private DiskImageReport Verify(string path, long length, ReadAt read, CancellationToken cancellationToken)
    {
        var findings = new List<Finding>();
        DiskImageReport Fail(string detail, long? offset, UdifTrailer? trailer = null)
        {
            findings.Add(new Finding(FindingKind.MalformedDiskImage, FindingSeverity.Error, detail, path, Architecture, offset));
            return new DiskImageReport(Report(path, SignatureVerdict.Invalid, [], findings), trailer, null);
        }

        var last = new byte[UdifTrailer.Size];
        if (length < UdifTrailer.Size || read(last, length - UdifTrailer.Size) != UdifTrailer.Size || !UdifTrailer.HasMagic(last))
        {
            findings.Add(new Finding(FindingKind.NotSigned, FindingSeverity.Error, "not a UDIF disk image: the file does not end in a \"koly\" trailer", path));
            return new DiskImageReport(new VerificationReport { Path = path, Kind = "other", Verdict = SignatureVerdict.Unsigned, Architectures = [], Findings = findings }, null, null);
        }

        UdifTrailer trailer;
        try
        {
            trailer = UdifTrailer.Parse(last, length - UdifTrailer.Size);
        }
        catch (MalformedDataException e)
        {
            return Fail(e.Message, e.Offset);
        }

        if (!trailer.IsSigned)
        {
            findings.Add(new Finding(FindingKind.NotSigned, FindingSeverity.Error,
                "the disk image carries no embedded signature (the koly trailer's signature offset and length are zero)", path));
            return new DiskImageReport(Report(path, SignatureVerdict.Unsigned, [], findings), trailer, null);
        }

        // Every offset and length is checked against the file before anything is read (hostile input).
        var signatureEnd = trailer.SignatureOffset + trailer.SignatureLength;
        if (trailer.SignatureLength == 0 || signatureEnd < trailer.SignatureOffset || signatureEnd > (ulong)trailer.FileOffset)
        {
            return Fail($"the koly trailer puts the signature at 0x{trailer.SignatureOffset:x} ({trailer.SignatureLength} bytes), not inside the image before the trailer at 0x{trailer.FileOffset:x}",
                trailer.FileOffset + UdifTrailer.SignatureOffsetField, trailer);
        }

        if (trailer.SignatureLength > MaxSignatureBytes)
        {
            return Fail($"the koly trailer gives the signature {trailer.SignatureLength} bytes; more than {MaxSignatureBytes} is not a signature (refused unread)",
                trailer.FileOffset + UdifTrailer.SignatureLengthField, trailer);
        }

        var signatureBytes = new byte[(int)trailer.SignatureLength];
        if (read(signatureBytes, (long)trailer.SignatureOffset) != signatureBytes.Length)
        {
            return Fail("the image ended inside its signature (the file changed while it was read)", (long)trailer.SignatureOffset, trailer);
        }
        CodeSignature signature;
        try
        {
            signature = CodeSignature.ReadEmbedded(signatureBytes, (long)trailer.SignatureOffset);
        }
        catch (MalformedDataException e)
        {
            return Fail($"the embedded signature cannot be read: {e.Message}", e.Offset, trailer);
        }

        if (_options.Strict)
        {
            CheckBlobLayout(signature, trailer, path, findings);
        }

        var verifier = new CodeSignatureVerifier(_options);
        var (cds, cms, classification) = verifier.VerifySignature(signature,
            directories => CheckCode(read, trailer, directories, path, findings, cancellationToken),
            new DiskImageSlotSource(trailer), Architecture, path, findings);
        var ticket = Ticket(signature);
        var architecture = ArchitectureReport.WithoutImage(Architecture, signature, cds, cms, classification, findings);
        var verdict = findings.Any(f => f.Severity == FindingSeverity.Error) ? SignatureVerdict.Invalid : SignatureVerdict.Valid;
        return new DiskImageReport(Report(path, verdict, [architecture], findings), trailer, ticket);
    }

    private static VerificationReport Report(string path, SignatureVerdict verdict, IReadOnlyList<ArchitectureReport> architectures, List<Finding> findings) =>
        new() { Path = path, Kind = Kind, Verdict = verdict, Architectures = architectures, Findings = findings };

    /// <summary>
    /// The one code slot per CodeDirectory: the hash of bytes [0, codeLimit), where codeLimit must be the signature's
    /// offset (SEC DiskImageRep::signingLimit) and the page size 0. One read of the file feeds every hash type.
    /// </summary>
    private static int[] CheckCode(ReadAt read, UdifTrailer trailer, IReadOnlyList<CodeDirectory> directories, string path, List<Finding> findings,
        CancellationToken cancellationToken)
    {
        var matched = new int[directories.Count];
        var checkable = new List<int>();
        for (var i = 0; i < directories.Count; i++)
        {
            var cd = directories[i];
            if (!cd.CanCheckHashes)
            {
                continue;
            }

            if (cd.PageSize != 0 || cd.CodeSlotCount != 1)
            {
                findings.Add(new Finding(FindingKind.MalformedSignature, FindingSeverity.Error,
                    $"{PageHashVerifier.Describe(cd)} has page size {cd.PageSize} and {cd.CodeSlotCount} code slots; a disk image is signed as one slot over its bytes (page size 0)",
                    path, Architecture, cd.FileOffset));
                continue;
            }

            if (cd.CodeLimit != trailer.SignatureOffset)
            {
                findings.Add(new Finding(FindingKind.MalformedSignature, FindingSeverity.Error,
                    $"{PageHashVerifier.Describe(cd)} covers 0x{cd.CodeLimit:x} bytes but the signature starts at 0x{trailer.SignatureOffset:x}: the hashed range must end where the signature begins",
                    path, Architecture, cd.FileOffset + CodeDirectoryLayout.CodeLimit));
                continue;
            }

            checkable.Add(i);
        }

        if (checkable.Count == 0)
        {
            return matched;
        }

        var hashTypes = checkable.Select(i => directories[i].HashType).Distinct().ToList();
        var hashers = hashTypes.ToDictionary(t => t, t => IncrementalHash.CreateHash(CodeHashing.AlgorithmName(t)));
        try
        {
            var buffer = new byte[ReadBufferBytes];
            var limit = (long)trailer.SignatureOffset;
            for (long offset = 0; offset < limit;)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = read(buffer.AsSpan(0, (int)Math.Min(buffer.Length, limit - offset)), offset);
                if (count == 0)
                {
                    findings.Add(new Finding(FindingKind.MalformedDiskImage, FindingSeverity.Error,
                        $"the image ended at 0x{offset:x} while its signed bytes run to 0x{limit:x}", path, Architecture, offset));
                    return matched;
                }

                foreach (var hasher in hashers.Values)
                {
                    hasher.AppendData(buffer, 0, count);
                }

                offset += count;
            }

            var digests = hashers.ToDictionary(h => h.Key, h => h.Value.GetHashAndReset());
            foreach (var i in checkable)
            {
                var cd = directories[i];
                if (digests[cd.HashType].AsSpan(0, cd.HashSize).SequenceEqual(cd.GetSlotHash(0)))
                {
                    matched[i] = 1;
                }
                else
                {
                    findings.Add(new Finding(FindingKind.PageHashMismatch, FindingSeverity.Error,
                        $"the image's bytes 0x0–0x{limit:x} do not match {PageHashVerifier.Describe(cd)}'s code slot: the image was modified after signing",
                        path, Architecture, 0));
                }
            }
        }
        finally
        {
            foreach (var hasher in hashers.Values)
            {
                hasher.Dispose();
            }
        }

        return matched;
    }

    /// <summary>
    /// SEC strictValidateBlob (used for disk images): the sub-blobs, in offset order, start right after the index and
    /// follow one another without gaps or overlaps, the last ending at the SuperBlob's length, which is the koly length.
    /// </summary>
    private static void CheckBlobLayout(CodeSignature signature, UdifTrailer trailer, string path, List<Finding> findings)
    {
        if (signature.SuperBlob is not { } blob)
        {
            return;
        }

        void Fail(string problem, long offset) => findings.Add(new Finding(FindingKind.MalformedSignature, FindingSeverity.Error,
            $"strict validation: {problem}", path, Architecture, offset));

        var expected = (long)SuperBlob.HeaderSize + (SuperBlob.IndexEntrySize * (long)blob.Entries.Count);
        foreach (var entry in blob.Entries.OrderBy(e => e.Offset))
        {
            if (entry.Offset != expected)
            {
                Fail($"the blob of slot 0x{entry.Type:x} starts at +0x{entry.Offset:x}, not +0x{expected:x} where the one before it ends", (long)trailer.SignatureOffset + entry.Offset);
                return;
            }

            expected += entry.Blob.Bytes.Length;
        }

        if (expected != blob.DeclaredLength)
        {
            Fail($"the blobs end at +0x{expected:x} but the SuperBlob says it is 0x{blob.DeclaredLength:x} bytes", (long)trailer.SignatureOffset);
        }
        else if (blob.DeclaredLength != trailer.SignatureLength)
        {
            Fail($"the SuperBlob is 0x{blob.DeclaredLength:x} bytes but the koly trailer gives the signature 0x{trailer.SignatureLength:x}",
                trailer.FileOffset + UdifTrailer.SignatureLengthField);
        }
    }

    private static StapledTicket? Ticket(CodeSignature signature)
    {
        if (signature.SuperBlob?.Find(CodeSigningSlot.Ticket) is not { } blob)
        {
            return null;
        }

        var payload = blob.Payload;
        // The ticket's format is undocumented (reference §9): finding this image's cdhash in it is evidence that it
        // names the image; not finding it proves nothing, so that is "unknown", never "no".
        var names = signature.CodeDirectories.Any(c => c.Directory.CanCheckHashes && payload.Span.IndexOf(c.Directory.CdHash) >= 0);
        return new StapledTicket(payload.Length, names ? TicketMatch.NamesThisCdHash : TicketMatch.Unknown);
    }

    /// <summary>Special slot −6 is the trailer with the signature length zeroed; nothing else is outside the signature.</summary>
    private sealed class DiskImageSlotSource(UdifTrailer trailer) : ISpecialSlotSource
    {
        public SpecialSlotContent GetComponent(uint slot) => slot == CodeSigningSlot.RepSpecific
            ? SpecialSlotContent.Present(trailer.AsSigned(), "the UDIF trailer")
            : SpecialSlotContent.Unavailable("a disk image has no bundle files");
    }
}

/// <summary>A disk image's verification: the common report (kind <c>disk-image</c>), the trailer, and the stapled ticket.</summary>
public sealed record DiskImageReport(VerificationReport Report, UdifTrailer? Trailer, StapledTicket? Ticket);

/// <summary>A notarization ticket stapled into the signature (slot 0x10002).</summary>
public sealed record StapledTicket(int Bytes, TicketMatch Match);

public enum TicketMatch
{
    /// <summary>The ticket's format is undocumented and the cdhash was not found in it: it may or may not name the image.</summary>
    Unknown,

    /// <summary>This image's cdhash appears in the ticket's bytes.</summary>
    NamesThisCdHash,
}
