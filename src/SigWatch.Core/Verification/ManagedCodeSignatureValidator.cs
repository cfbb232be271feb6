namespace SigWatch.Core.Verification;

/// <summary>
/// <see cref="ICodeSignatureValidator"/> over the managed <see cref="CodeSignatureVerifier"/>: any OS, no native code.
/// A bundle directory gets <see cref="AssessmentVerdict.Unknown"/> here: bundle seal verification is a separate
/// managed verifier (Core/Seal) that the composition root pairs with this one.
/// </summary>
public sealed class ManagedCodeSignatureValidator(CodeSignatureVerifier? verifier = null) : ICodeSignatureValidator
{
    private readonly CodeSignatureVerifier _verifier = verifier ?? new CodeSignatureVerifier();

    public string Name => "managed";

    public CodeSignatureAssessment Validate(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        cancellationToken.ThrowIfCancellationRequested();
        if (Directory.Exists(path))
        {
            return new CodeSignatureAssessment(Name, path, AssessmentVerdict.Unknown,
                [new Finding(FindingKind.Unreadable, FindingSeverity.Info,
                    "a bundle directory is assessed by the bundle seal verifier, not by the Mach-O verifier", path)],
                null);
        }

        VerificationReport report;
        try
        {
            report = _verifier.VerifyFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new CodeSignatureAssessment(Name, path, AssessmentVerdict.Unknown,
                [new Finding(FindingKind.Unreadable, FindingSeverity.Error, e.Message, path)], null);
        }

        return FromReport(report);
    }

    /// <summary>The assessment for a report the caller already has (no second read of the file).</summary>
    public CodeSignatureAssessment FromReport(VerificationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var verdict = report.Verdict switch
        {
            SignatureVerdict.Valid => AssessmentVerdict.Valid,
            SignatureVerdict.Invalid => AssessmentVerdict.Invalid,
            SignatureVerdict.Unsigned => AssessmentVerdict.Unsigned,
            _ => AssessmentVerdict.Unknown,
        };

        // The same "primary" architecture the CLI reports: the first signed slice with a readable CodeDirectory.
        var primary = report.Architectures.FirstOrDefault(a => a.IsSigned && a.Best is not null);
        SigningSummary? signing = null;
        if (primary?.Best is { } best)
        {
            signing = new SigningSummary(
                best.Identifier,
                best.TeamId,
                best.CdHashHex,
                (uint)best.Flags,
                primary.Cms?.Certificates.Select(c => c.Sha256).ToList() ?? [],
                primary.Cms?.DeclaredSigningTime,
                primary.Cms?.TimestampedSigningTime,
                primary.Signature?.Entitlements is not null || primary.Signature?.DerEntitlements is not null,
                DesignatedRequirement: null,
                report.Architectures.Where(a => a.Best is not null).Select(a => a.Best!.CdHashHex).ToList());
        }

        return new CodeSignatureAssessment(Name, report.Path, verdict, report.Findings, signing);
    }
}
