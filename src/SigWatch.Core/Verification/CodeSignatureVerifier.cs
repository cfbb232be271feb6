using SigWatch.Core.Binary;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.MachO;

namespace SigWatch.Core.Verification;

/// <summary>Knobs for <see cref="CodeSignatureVerifier"/>; the defaults check against the real clock.</summary>
public sealed record CodeSignatureVerifierOptions
{
    /// <summary>The clock used when a signature has no secure timestamp.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Decodes the CMS cdhashes plist (V1 hash agility); without it that attribute is reported unchecked.</summary>
    public Func<ReadOnlyMemory<byte>, IReadOnlyList<byte[]>?>? CdHashesPlistDecoder { get; init; } = CdHashesPlist.Decode;

    /// <summary>
    /// Apply <c>codesign --strict</c>'s structure checks (the default of codesign's verify, security_systemkeychain
    /// codesign.cpp <c>staticVerifyOptions</c>): the image must end where its __LINKEDIT ends, a universal file must have
    /// nothing but zeros between and nothing after its slices, and every code limit must be LC_CODE_SIGNATURE's dataoff.
    /// </summary>
    public bool Strict { get; init; } = true;
}

/// <summary>
/// Verifies Mach-O code signatures end to end for every architecture (reference §12, step 2): read the SuperBlob
/// and CodeDirectories, check their integrity, every page hash of every CodeDirectory, the bound special slots,
/// and the CMS signature with its chain to a pinned Apple root. Never throws for malformed input: every problem
/// becomes a <see cref="Finding"/> with its architecture and offset.
/// </summary>
public sealed partial class CodeSignatureVerifier(CodeSignatureVerifierOptions? options = null)
{
    private readonly CodeSignatureVerifierOptions _options = options ?? new CodeSignatureVerifierOptions();
    private readonly CmsSignatureVerifier _cmsVerifier = new((options ?? new CodeSignatureVerifierOptions()).CdHashesPlistDecoder);

    /// <summary>Reads the file once into memory and verifies it. I/O errors propagate to the caller.</summary>
    public VerificationReport VerifyFile(string path) => Verify(File.ReadAllBytes(path), path);

    /// <summary>
    /// Verifies the bytes of a file. <paramref name="slotSource"/> supplies Info.plist and CodeResources for a bundle's
    /// main executable; when null, the binary is treated as standalone (<see cref="BareMachOSlotSource"/>).
    /// </summary>
    public VerificationReport Verify(ReadOnlyMemory<byte> bytes, string path, ISpecialSlotSource? slotSource = null)
    {
        var findings = new List<Finding>();
        switch (MachFile.Identify(bytes.Span, out var notCode))
        {
            case MachFileKind.NotMachO:
                findings.Add(new Finding(FindingKind.NotSigned, FindingSeverity.Error,
                    "not a Mach-O file; only Mach-O files carry an embedded signature", path));
                return new VerificationReport { Path = path, Kind = "other", Verdict = SignatureVerdict.Unsigned, Architectures = [], Findings = findings };
            case MachFileKind.NotCode:
                findings.Add(new Finding(FindingKind.NotCode, FindingSeverity.Error,
                    $"not Mach-O code: {notCode}; codesign reads such a file as a plain file: code object is not signed at all", path));
                return new VerificationReport { Path = path, Kind = "macho", Verdict = SignatureVerdict.Unsigned, Architectures = [], Findings = findings };
        }

        MachFile file;
        try
        {
            file = MachFile.Read(bytes);
        }
        catch (MalformedDataException e)
        {
            findings.Add(new Finding(FindingKind.MalformedMachO, FindingSeverity.Error, e.Message, path, null, e.Offset));
            return new VerificationReport { Path = path, Kind = "macho", Verdict = SignatureVerdict.Invalid, Architectures = [], Findings = findings };
        }

        var architectures = file.Slices.Select(slice => VerifySlice(slice, path, slotSource)).ToList();
        findings.AddRange(architectures.SelectMany(a => a.Findings));
        if (architectures.All(a => !a.IsSigned && a.Image is not null && a.Findings.All(f => f.Kind == FindingKind.NotSigned)))
        {
            // Every slice well-formed and without LC_CODE_SIGNATURE: unsigned. One unsigned slice beside signed ones is
            // an error of that slice (SEC handleOtherArchitectures: errSecCSUnsigned), so the file is invalid.
            return new VerificationReport { Path = path, Kind = "macho", Verdict = SignatureVerdict.Unsigned, Architectures = architectures, Findings = findings };
        }

        CheckSlicesAgree(architectures, path, findings);
        if (_options.Strict && file.IsUniversal)
        {
            CheckUniversalStructure(file, path, findings);
        }

        var verdict = findings.Any(f => f.Severity == FindingSeverity.Error) ? SignatureVerdict.Invalid : SignatureVerdict.Valid;
        return new VerificationReport { Path = path, Kind = "macho", Verdict = verdict, Architectures = architectures, Findings = findings };
    }

    private ArchitectureReport VerifySlice(MachSlice slice, string path, ISpecialSlotSource? slotSource)
    {
        var findings = new List<Finding>();
        // The mach_header's CPU type names the slice; the fat table's entry can disagree (santa's "cal-yikes" fixture).
        var arch = slice.Image?.Architecture ?? slice.Architecture;
        ArchitectureReport Report(CodeSignature? signature = null, IReadOnlyList<CodeDirectoryReport>? cds = null,
            CmsSignatureReport? cms = null, SignatureClassification classification = SignatureClassification.Unsigned) => new()
        {
            Index = slice.Index,
            Architecture = arch,
            CpuType = slice.CpuType,
            CpuSubType = slice.CpuSubType,
            Image = slice.Image,
            Signature = signature,
            CodeDirectories = cds ?? [],
            Cms = cms,
            Classification = classification,
            Findings = findings,
        };

        if (slice.Image is not { } image)
        {
            var error = slice.Error!;
            findings.Add(new Finding(FindingKind.MalformedMachO, FindingSeverity.Error, error.Message, path, arch, error.Offset));
            return Report();
        }

        if (slice.CpuType != image.CpuType || slice.CpuSubType != image.CpuSubType)
        {
            // lipo/codesign select slices by the fat table; a table that names another CPU than the image it points at
            // is a disguise (santa's "cal-yikes" fixture), not a signature failure.
            findings.Add(new Finding(FindingKind.MalformedMachO, FindingSeverity.Warning,
                $"the fat table names {CpuTypes.Name(slice.CpuType, slice.CpuSubType)} (0x{slice.CpuType:x}/0x{slice.CpuSubType:x}) for an image whose mach_header says {image.Architecture}",
                path, arch));
        }

        CodeSignature signature;
        try
        {
            if (!image.TryGetCodeSignature(out var signatureBytes, out var missing))
            {
                findings.Add(new Finding(FindingKind.NotSigned, FindingSeverity.Error, "no LC_CODE_SIGNATURE load command", path, arch));
                return Report();
            }

            var command = image.CodeSignature!.Value;
            if (missing > 0)
            {
                // Not an error by itself: SEC reads only the SuperBlob's own length, which may end before the cut. The
                // strict extent check (below) fails such a file; a cut inside the SuperBlob is an error of the signature.
                findings.Add(new Finding(FindingKind.MalformedSignature, FindingSeverity.Warning,
                    $"LC_CODE_SIGNATURE says {command.DataSize} bytes at 0x{command.DataOffset:x}, but the slice ends {missing} bytes earlier: the file was cut short",
                    path, arch, image.FileOffset + command.DataOffset));
            }

            signature = CodeSignature.ReadEmbedded(signatureBytes, image.FileOffset + command.DataOffset, allowTruncated: missing > 0);
        }
        catch (MalformedDataException e)
        {
            findings.Add(new Finding(FindingKind.MalformedSignature, FindingSeverity.Error, e.Message, path, arch, e.Offset));
            CheckExtent(image, path, arch, findings);
            return Report(classification: SignatureClassification.Untrusted);
        }

        if (slotSource is null)
        {
            // Not a conditional expression: `null` there converts to an empty ReadOnlyMemory through byte[], which
            // would turn "no __info_plist section" into "an empty Info.plist" and a false mismatch.
            ReadOnlyMemory<byte>? embeddedPlist = null;
            if (image.TryGetInfoPlist(out var plist))
            {
                embeddedPlist = plist;
            }

            slotSource = new BareMachOSlotSource(embeddedPlist);
        }

        var (cds, cms, classification) = VerifySignature(signature, image.Slice, image.FileOffset, slotSource, arch, path, findings);
        CheckCodeLimits(image, cds, path, arch, findings);
        CheckExtent(image, path, arch, findings);
        return Report(signature, cds, cms, classification);
    }

    /// <summary>
    /// Verifies a signature against the code it covers: <paramref name="code"/> is the slice (or, for a bundle
    /// without an executable, the main file such as Info.plist). Used for embedded and detached signatures alike.
    /// </summary>
    public (IReadOnlyList<CodeDirectoryReport> CodeDirectories, CmsSignatureReport? Cms, SignatureClassification Classification)
        VerifySignature(CodeSignature signature, ReadOnlyMemory<byte> code, long codeFileOffset, ISpecialSlotSource slotSource,
            string architecture, string? path, List<Finding> findings) =>
        VerifySignature(signature, directories => PageHashVerifier.Verify(code.Span, directories, codeFileOffset, architecture, path, findings),
            slotSource, architecture, path, findings);

    /// <summary>
    /// The same, with the code slots checked by <paramref name="checkCode"/> (it returns the matching slots per
    /// CodeDirectory): a disk image's one slot covers gigabytes, hashed from the file as a stream, not from memory.
    /// </summary>
    internal (IReadOnlyList<CodeDirectoryReport> CodeDirectories, CmsSignatureReport? Cms, SignatureClassification Classification)
        VerifySignature(CodeSignature signature, Func<IReadOnlyList<CodeDirectory>, int[]> checkCode, ISpecialSlotSource slotSource,
            string architecture, string? path, List<Finding> findings)
    {
        ArgumentNullException.ThrowIfNull(signature);
        ArgumentNullException.ThrowIfNull(slotSource);
        ArgumentNullException.ThrowIfNull(findings);
        foreach (var problem in signature.Problems)
        {
            findings.Add(new Finding(FindingKind.MalformedSignature, FindingSeverity.Error, problem.Message, path, architecture, problem.Offset));
        }

        if (signature.Primary is null)
        {
            findings.Add(new Finding(FindingKind.MalformedSignature, FindingSeverity.Error,
                "the signature has no usable slot-0 CodeDirectory", path, architecture));
            return ([], null, SignatureClassification.Untrusted);
        }

        var directories = signature.CodeDirectories.Select(c => c.Directory).ToList();
        foreach (var cd in directories)
        {
            foreach (var issue in cd.Issues)
            {
                findings.Add(new Finding(FindingKind.MalformedSignature, FindingSeverity.Error,
                    $"{PageHashVerifier.Describe(cd)}: {issue.Detail}", path, architecture, issue.Offset));
            }
        }

        var matched = checkCode(directories);
        var reports = new List<CodeDirectoryReport>();
        for (var i = 0; i < directories.Count; i++)
        {
            var slots = SpecialSlotVerifier.Verify(directories[i], signature, slotSource, architecture, path, findings);
            reports.Add(new CodeDirectoryReport(signature.CodeDirectories[i].Slot, directories[i], matched[i], slots));
        }

        var (cms, classification) = VerifyCms(signature, architecture, path, findings);
        return (reports, cms, classification);
    }

    private (CmsSignatureReport? Cms, SignatureClassification Classification) VerifyCms(CodeSignature signature,
        string architecture, string? path, List<Finding> findings)
    {
        var primary = signature.Primary!;
        var cmsBytes = signature.CmsSignature;
        var adHocClass = primary.IsLinkerSigned ? SignatureClassification.LinkerSigned : SignatureClassification.AdHoc;
        if (primary.IsAdHoc)
        {
            // SEC verifySignature: ad-hoc code is valid by definition; its identity is only the cdhash.
            return (null, adHocClass);
        }

        if (signature.IsTruncated && cmsBytes is null)
        {
            // The CMS was cut off with the end of the file: nothing says who signed it, and it is not ad-hoc code.
            return (null, SignatureClassification.Untrusted);
        }

        if (cmsBytes is not { Length: > 0 } cms)
        {
            findings.Add(new Finding(FindingKind.AdHocFlagMissing, FindingSeverity.Warning,
                "no CMS signature although the CodeDirectory lacks the ad-hoc flag (ldid-style pseudo-signature); treated as ad-hoc",
                path, architecture));
            return (null, adHocClass);
        }

        var report = _cmsVerifier.Verify(cms, signature, _options.Clock.GetUtcNow(), architecture, path, findings);
        if (report.ChainTrusted && report.Classification is SignatureClassification.DeveloperId)
        {
            findings.Add(new Finding(FindingKind.NotarizationNotChecked, FindingSeverity.Info,
                "notarization not checked (offline)", path, architecture));
        }

        return (report, report.SignatureValid ? report.Classification : SignatureClassification.Untrusted);
    }
}
