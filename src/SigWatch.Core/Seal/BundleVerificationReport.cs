using SigWatch.Core.FileSystem;
using SigWatch.Core.Verification;

namespace SigWatch.Core.Seal;

/// <summary>
/// The result of verifying a bundle: the same <see cref="VerificationReport"/> shape as a Mach-O check (kind
/// <c>bundle</c>; architectures are the main executable's), plus the layout, the diagnoses that explain the seal
/// findings, nested code results, and the cost.
/// </summary>
public sealed class BundleVerificationReport
{
    public required VerificationReport Report { get; init; }

    /// <summary>Null when the layout could not be determined (e.g. a framework without Versions/Current).</summary>
    public BundleStructure? Structure { get; init; }

    /// <summary>The main executable's path relative to the resource root; null for bundles without one.</summary>
    public string? MainExecutable { get; init; }

    /// <summary>The bundle's Info.plist; null when absent or unreadable. Nested code's recorded requirement may test it.</summary>
    public Plist.PlistDictionary? InfoPlist { get; init; }

    /// <summary>The secure timestamp when present, else the signer's declared time, else CodeResources' mtime (ad-hoc).</summary>
    public DateTimeOffset? SigningTime { get; init; }

    /// <summary>Where <see cref="SigningTime"/> came from: <c>timestamp</c>, <c>signing-time</c> or <c>seal-mtime</c>.</summary>
    public string? SigningTimeSource { get; init; }

    public IReadOnlyList<Diagnosis> Diagnoses { get; init; } = [];

    /// <summary>Nested code that was verified, keyed by its resource-root-relative path.</summary>
    public IReadOnlyList<NestedCodeReport> Nested { get; init; } = [];

    public required SealStatistics Statistics { get; init; }

    /// <summary>The parsed resource seal's size, as <c>codesign -dvvv</c> prints it; null when there is no usable seal.</summary>
    public ResourceSealSummary? ResourceSeal { get; init; }

    /// <summary>What <see cref="BundleVerifier.Reverify"/> needs to redo only what changed; null when only a full walk will do.</summary>
    internal SealState? State { get; init; }

    public SignatureVerdict Verdict => Report.Verdict;

    public IReadOnlyList<Finding> Findings => Report.Findings;

    /// <summary>
    /// The same report keeping no file's bytes (see <see cref="ArchitectureReport.Detach"/>): what a long-lived holder
    /// keeps to <see cref="BundleVerifier.Reverify">re-verify</see> from. Mach-O images are dropped.
    /// </summary>
    public BundleVerificationReport Detach() => new()
    {
        Report = Report.Detach(),
        Structure = Structure,
        MainExecutable = MainExecutable,
        InfoPlist = InfoPlist,
        SigningTime = SigningTime,
        SigningTimeSource = SigningTimeSource,
        Diagnoses = Diagnoses,
        Nested = [.. Nested.Select(n => n.Detach())],
        Statistics = Statistics,
        State = State,
        ResourceSeal = ResourceSeal,
    };
}

/// <summary>
/// <c>_CodeSignature/CodeResources</c> in numbers: the seal version in use (2 for files2/rules2), its rules and its sealed
/// entries (codesign's "Sealed Resources version=2 rules=13 files=5").
/// </summary>
public sealed record ResourceSealSummary(int Version, int Rules, int Files);

/// <summary>One nested code item: either a bundle (with its own seal) or a single Mach-O file.</summary>
public sealed record NestedCodeReport(string Path, BundleVerificationReport? Bundle, VerificationReport Report, string? Requirement,
    string? RequirementOutcome)
{
    /// <summary>See <see cref="BundleVerificationReport.Detach"/>.</summary>
    public NestedCodeReport Detach() => Bundle?.Detach() is { } bundle
        ? this with { Bundle = bundle, Report = bundle.Report }
        : this with { Report = Report.Detach() };
}

/// <summary>
/// What stays fixed while a bundle's signature, Info.plist and seal are unchanged, with the enclosing bundle's context
/// (<paramref name="Outer"/>; SEC's mOuterScope), whose resource root its symlinks may point into.
/// </summary>
internal sealed record SealContext(BundleStructure Structure, CodeResources Seal, ResourceRuleSet Rules, string? MainExecutable, SealContext? Outer,
    int Nesting)
{
    private string? _realResourceRoot;

    /// <summary>The resource root's physical path (SEC compares realpath'd targets with it); null when it does not resolve.</summary>
    public string? RealResourceRoot(IFileTree tree) => _realResourceRoot ??= SymlinkRestriction.RealPath(tree, Structure.ResourceRoot);
}

/// <summary>Nested code with the findings its verification added to the enclosing bundle.</summary>
internal sealed record NestedState(NestedJob Job, NestedCodeReport Report, IReadOnlyList<Finding> Findings);

/// <summary>
/// A verification kept for incremental re-verification: the findings that do not come from the walk (signature,
/// strict checks), the walk's per-path results, nested code, and the lstat facts of the files a change to which means
/// "verify everything again" (Info.plist, CodeResources, the main executable, detached signature files, the bundle
/// directory). The walk result is never mutated once stored; a re-verification clones it.
/// </summary>
internal sealed record SealState(SealContext Context, IReadOnlyList<Finding> Global, SealWalkResult Walk, IReadOnlyList<NestedState> Nested,
    IReadOnlyList<(string Path, FileTreeEntry Entry)> Anchors, BundleVerifier.MainCode Main, (DateTimeOffset Time, string Source)? SigningTime)
{
    /// <summary>This bundle or nested code inside it has sealed symlinks whose destinations were checked (strict).</summary>
    public bool HasSymlinkChecks => Walk.CheckedSymlinks.Count > 0 || Nested.Any(n => n.Report.Bundle?.State?.HasSymlinkChecks == true);
}
