using SigWatch.Core.CodeSigning;
using SigWatch.Core.MachO;

namespace SigWatch.Core.Verification;

/// <summary>
/// The result of checking one path: a verdict, one report per architecture, and every finding with its context.
/// The verdict is ours, not Gatekeeper's: revocation and notarization are never checked (they need Apple's servers),
/// and a bare binary cannot prove its bundle's resources.
/// </summary>
public sealed class VerificationReport
{
    public required string Path { get; init; }

    /// <summary><c>macho</c>, <c>bundle</c> or <c>other</c>.</summary>
    public required string Kind { get; init; }

    public required SignatureVerdict Verdict { get; init; }

    public required IReadOnlyList<ArchitectureReport> Architectures { get; init; }

    /// <summary>Every finding, file-level first, then per architecture in slice order.</summary>
    public required IReadOnlyList<Finding> Findings { get; init; }

    /// <summary>The weakest classification over all architectures (unsigned &lt; untrusted &lt; ad-hoc &lt; … &lt; apple).</summary>
    public SignatureClassification Classification =>
        Architectures.Count == 0 ? SignatureClassification.Unsigned : Architectures.Min(a => a.Classification);

    public bool HasErrors => Findings.Any(f => f.Severity == FindingSeverity.Error);

    /// <summary>The same report with <see cref="ArchitectureReport.Detach">detached</see> architectures.</summary>
    public VerificationReport Detach() => new()
    {
        Path = Path,
        Kind = Kind,
        Verdict = Verdict,
        Architectures = [.. Architectures.Select(a => a.Detach())],
        Findings = Findings,
    };
}

/// <summary>What was found for one architecture (one slice of a universal file, or the whole thin file).</summary>
public sealed class ArchitectureReport
{
    public required int Index { get; init; }

    public required string Architecture { get; init; }

    public required int CpuType { get; init; }

    public required int CpuSubType { get; init; }

    /// <summary>The parsed image; null when the slice could not be read.</summary>
    public MachImage? Image { get; init; }

    /// <summary>The signature; null when unsigned or unreadable.</summary>
    public CodeSignature? Signature { get; init; }

    public IReadOnlyList<CodeDirectoryReport> CodeDirectories { get; init; } = [];

    /// <summary>The best CodeDirectory (reference §3.8): its cdhash, identifier and flags are "the" ones.</summary>
    public CodeDirectory? Best => Signature?.Best;

    public CmsSignatureReport? Cms { get; init; }

    public SignatureClassification Classification { get; init; }

    public IReadOnlyList<Finding> Findings { get; init; } = [];

    public bool IsSigned => Signature is not null;

    /// <summary>The one "architecture" of code that is not a Mach-O slice: a detached signature, a disk image.</summary>
    public static ArchitectureReport WithoutImage(string architecture, CodeSignature signature, IReadOnlyList<CodeDirectoryReport> codeDirectories,
        CmsSignatureReport? cms, SignatureClassification classification, IReadOnlyList<Finding> findings) => new()
    {
        Index = 0,
        Architecture = architecture,
        CpuType = 0,
        CpuSubType = 0,
        Signature = signature,
        CodeDirectories = codeDirectories,
        Cms = cms,
        Classification = classification,
        Findings = findings,
    };

    /// <summary>This report without the image and with a <see cref="CodeSignature.Detach">detached</see> signature: what a long-lived holder keeps.</summary>
    public ArchitectureReport Detach()
    {
        var signature = Signature?.Detach();
        return new ArchitectureReport
        {
            Index = Index,
            Architecture = Architecture,
            CpuType = CpuType,
            CpuSubType = CpuSubType,
            Signature = signature,
            CodeDirectories = [.. CodeDirectories.Select(c => signature?.CodeDirectories.FirstOrDefault(e => e.Slot == c.Slot) is { } copy ? c with { Directory = copy.Directory } : c)],
            Cms = Cms,
            Classification = Classification,
            Findings = Findings,
        };
    }
}

/// <summary>Per-CodeDirectory results: pages that matched and the outcome of each bound special slot.</summary>
public sealed record CodeDirectoryReport(uint Slot, CodeDirectory Directory, int PagesMatched,
    IReadOnlyList<SpecialSlotResult> SpecialSlots);
