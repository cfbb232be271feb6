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

    /// <summary>The secure timestamp when present, else the signer's declared time, else CodeResources' mtime (ad-hoc).</summary>
    public DateTimeOffset? SigningTime { get; init; }

    /// <summary>Where <see cref="SigningTime"/> came from: <c>timestamp</c>, <c>signing-time</c> or <c>seal-mtime</c>.</summary>
    public string? SigningTimeSource { get; init; }

    public IReadOnlyList<Diagnosis> Diagnoses { get; init; } = [];

    /// <summary>Nested code that was verified, keyed by its resource-root-relative path.</summary>
    public IReadOnlyList<NestedCodeReport> Nested { get; init; } = [];

    public required SealStatistics Statistics { get; init; }

    public SignatureVerdict Verdict => Report.Verdict;

    public IReadOnlyList<Finding> Findings => Report.Findings;
}

/// <summary>One nested code item: either a bundle (with its own seal) or a single Mach-O file.</summary>
public sealed record NestedCodeReport(string Path, BundleVerificationReport? Bundle, VerificationReport Report, string? Requirement,
    string? RequirementOutcome);
