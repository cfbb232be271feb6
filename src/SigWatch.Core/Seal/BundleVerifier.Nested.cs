using SigWatch.Core.CodeSigning.Requirements;
using SigWatch.Core.FileSystem;
using SigWatch.Core.Plist;
using SigWatch.Core.Verification;

namespace SigWatch.Core.Seal;

/// <summary>Nested code (SEC StaticCode.cpp <c>validateNestedCode</c>, <c>validateOtherVersions</c>): its own verification and the requirement its seal recorded.</summary>
public sealed partial class BundleVerifier
{
    // A nested bundle verified before is re-verified by regions when the changes inside it are known. Its report is kept
    // detached (no Mach-O bytes): only its verdict and findings are reported, and it may be kept for the next re-verification.
    private NestedState VerifyNested(NestedJob job, SealContext context, SealStatistics statistics, ProgressCounter progress,
        BundleVerificationReport? previous, IReadOnlyList<string>? changes)
    {
        var findings = new List<Finding>();
        var report = VerifyNested(job, context, statistics, progress, findings, previous, changes);
        return new NestedState(job, report.Detach(), findings);
    }

    private NestedCodeReport VerifyNested(NestedJob job, SealContext context, SealStatistics statistics, ProgressCounter progress,
        List<Finding> findings, BundleVerificationReport? previous, IReadOnlyList<string>? changes)
    {
        if (context.Nesting + 1 > _options.MaxNestingDepth)
        {
            var deep = new VerificationReport { Path = job.FullPath, Kind = "bundle", Verdict = SignatureVerdict.Invalid, Architectures = [], Findings = [] };
            findings.Add(new Finding(FindingKind.NestedCodeInvalid, FindingSeverity.Error,
                $"In subcomponent: {job.Path}: nested deeper than {_options.MaxNestingDepth} levels; not followed", job.Path));
            return new NestedCodeReport(job.Path, null, deep, job.Sealed.Requirement, null);
        }

        BundleVerificationReport? bundle = null;
        VerificationReport report;
        if (job.IsDirectory)
        {
            bundle = previous?.State is { } state && changes is not null
                ? ReverifyBundle(state, changes, statistics, progress)
                : VerifyBundle(job.FullPath, context, context.Nesting + 1, statistics, progress);
            report = bundle.Report;
        }
        else
        {
            var nestedFindings = new List<Finding>();
            var bytes = ReadSmallFile(job.FullPath, job.Path, nestedFindings);
            report = bytes is { } b
                ? _signatureVerifier.Verify(b, job.Path)
                : new VerificationReport { Path = job.Path, Kind = "other", Verdict = SignatureVerdict.Invalid, Architectures = [], Findings = nestedFindings };
        }

        if (report.Verdict != SignatureVerdict.Valid)
        {
            var errors = report.Findings.Where(f => f.Severity == FindingSeverity.Error).Take(3)
                .Select(f => f.Path is { } p && p != job.Path && !job.IsDirectory ? $"{f.KindName} {p}" : $"{f.KindName}{(job.IsDirectory && f.Path is { } q ? " " + q : "")}");
            var what = report.Verdict == SignatureVerdict.Unsigned ? "code object is not signed at all" : string.Join("; ", errors);
            findings.Add(new Finding(FindingKind.NestedCodeInvalid, FindingSeverity.Error, $"In subcomponent: {job.Path}: {what}", job.Path));
            return new NestedCodeReport(job.Path, bundle, report, job.Sealed.Requirement, null);
        }

        // SEC validateNestedCode: the nested code must satisfy the requirement recorded at signing; the cdhash is not compared.
        var check = RequirementCheck.Check(job.Sealed.Requirement ?? string.Empty, NestedSubject(report, bundle?.InfoPlist), RequirementEvaluator.Default);
        if (check.SyntaxError is not null)
        {
            findings.Add(new Finding(FindingKind.NestedCodeInvalid, FindingSeverity.Error,
                $"In subcomponent: {job.Path}: the recorded requirement does not parse: {check.SyntaxError.Message}", job.Path));
        }
        else if (check.Evaluation!.Outcome == RequirementOutcome.NotSatisfied)
        {
            findings.Add(new Finding(FindingKind.NestedCodeInvalid, FindingSeverity.Error,
                $"In subcomponent: {job.Path}: does not satisfy its recorded requirement: {check.Message}", job.Path));
        }
        else if (check.Evaluation.Outcome == RequirementOutcome.Unknown)
        {
            findings.Add(new Finding(FindingKind.NestedRequirementUnchecked, FindingSeverity.Warning,
                $"In subcomponent: {job.Path}: recorded requirement {check.Message}", job.Path));
        }

        if (_options.Strict && check.Evaluation is { Outcome: not RequirementOutcome.NotSatisfied } && bundle?.Structure is { Shape: BundleShape.Framework } framework)
        {
            VerifyOtherVersions(job, framework, context, statistics, progress, findings);
        }

        return new NestedCodeReport(job.Path, bundle, report, job.Sealed.Requirement, check.Message);
    }

    // SEC validateOtherVersions (strict, nested frameworks): every Versions/<v> directory besides Current and the current
    // version must verify and satisfy the same recorded requirement; failure is errSecCSBadFrameworkVersion.
    private void VerifyOtherVersions(NestedJob job, BundleStructure framework, SealContext context, SealStatistics statistics,
        ProgressCounter progress, List<Finding> findings)
    {
        IReadOnlyList<FileTreeEntry> versions;
        try
        {
            versions = _tree.List(Path.Combine(job.FullPath, BundleStructure.VersionsDirectory));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            findings.Add(new Finding(FindingKind.Unreadable, FindingSeverity.Error, $"cannot list Versions/: {e.Message}", job.Path + "/Versions"));
            return;
        }

        foreach (var entry in versions.Where(v => v.Kind == FileTreeKind.Directory && v.Name != BundleStructure.CurrentVersion && v.Name != framework.VersionName)
            .OrderBy(v => v.Name, StringComparer.Ordinal))
        {
            var other = VerifyBundle(job.FullPath, context, context.Nesting + 1, statistics, progress,
                BundleStructure.FrameworkVersion(job.FullPath, entry.Name));
            var problem = other.Verdict != SignatureVerdict.Valid
                ? string.Join("; ", other.Findings.Where(f => f.Severity == FindingSeverity.Error).Take(3).Select(f => $"{f.KindName} {f.Path}"))
                : RequirementCheck.Check(job.Sealed.Requirement ?? string.Empty, NestedSubject(other.Report, other.InfoPlist), RequirementEvaluator.Default) is { Evaluation.Outcome: RequirementOutcome.NotSatisfied } failed
                    ? $"does not satisfy the recorded requirement: {failed.Message}"
                    : null;
            if (problem is not null)
            {
                findings.Add(new Finding(FindingKind.NestedCodeInvalid, FindingSeverity.Error,
                    $"In subcomponent: {job.Path}: invalid framework version Versions/{entry.Name}: {problem}", job.Path));
            }
        }
    }

    /// <summary>
    /// What SEC's requirement context holds for nested code: identifier, team, every cdhash, the signer chain, the
    /// entitlements, and the Info.plist (the nested bundle's own, or a tool's embedded <c>__info_plist</c>).
    /// </summary>
    public static RequirementSubject NestedSubject(VerificationReport report, PlistDictionary? infoPlist = null) =>
        RequirementSubjects.FromReport(report, infoPlist);
}
