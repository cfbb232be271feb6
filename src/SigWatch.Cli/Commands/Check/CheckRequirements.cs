using SigWatch.Cli.Output;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.CodeSigning.Requirements;
using SigWatch.Core.FileSystem;
using SigWatch.Core.Plist;
using SigWatch.Core.Quarantine;
using SigWatch.Core.Verification;
using SigWatch.Platform;
using SigWatch.Platform.Quarantine;

namespace SigWatch.Cli.Commands.Check;

/// <summary>
/// What <c>check</c> adds after verification: the designated requirement (explicit, or the default Apple would
/// synthesize) and whether the code satisfies it; the caller's <c>--requirement</c> and its explanation; and the
/// quarantine story of the path. Exit codes for a requirement: 0 satisfied, 1 not (or undecidable offline), 2 syntax.
/// </summary>
internal sealed record CheckRequirements(
    DesignatedRequirement? Designated,
    RequirementEvaluation? DesignatedEvaluation,
    string? RequestedText,
    RequirementCheckResult? Requested,
    QuarantineStory? Quarantine)
{
    public static CheckRequirements Evaluate(VerificationReport report, string? requirementText, string path, PlistDictionary? infoPlist)
    {
        var subject = RequirementSubjects.FromReport(report, infoPlist);
        var evaluator = RequirementEvaluator.Default;
        DesignatedRequirement? designated = null;
        RequirementEvaluation? designatedEvaluation = null;
        if (report.Verdict != SignatureVerdict.Unsigned)
        {
            designated = DesignatedRequirementSynthesizer.Resolve(InternalRequirements(report), subject, AppleRootCertificates.Pinned);
            designatedEvaluation = designated is null ? null : evaluator.Evaluate(designated.Requirement, subject);
        }

        var requested = requirementText is null ? null : RequirementCheck.Check(requirementText, subject, evaluator);
        return new CheckRequirements(designated, designatedEvaluation, requirementText, requested, ReadQuarantine(path));
    }

    /// <summary>The exit code with the requirement folded in: a syntax error is a usage error; an unmet requirement is 1.</summary>
    public int CombineExitCode(int verdictExitCode) =>
        Requested is { ExitCode: RequirementCheckResult.ExitSyntaxError } ? ExitCodes.Usage
        : verdictExitCode != ExitCodes.Ok ? verdictExitCode
        : Requested is { ExitCode: not RequirementCheckResult.ExitSatisfied } ? ExitCodes.Invalid
        : ExitCodes.Ok;

    public void WriteHuman(TextWriter o)
    {
        if (Designated is not null)
        {
            o.WriteLine(Designated.ToString());
            o.WriteLine($"Designated requirement: {Outcome(DesignatedEvaluation)}{(DesignatedEvaluation is { IsSatisfied: false } e ? " — " + e.Explanation : string.Empty)}");
        }

        if (Requested is not null)
        {
            o.WriteLine(Requested.SyntaxError is not null
                ? $"Requirement: syntax error at {Requested.SyntaxError.Line}:{Requested.SyntaxError.Column}: {Requested.Message}"
                : $"Requirement: {Outcome(Requested.Evaluation)} — {Requested.Message}");
        }

        if (Quarantine is not null)
        {
            o.WriteLine($"Quarantine: {Quarantine.Describe()}");
        }
    }

    public CheckJsonRequirement? RequestedJson => Requested is null ? null : new CheckJsonRequirement(
        RequestedText!,
        Requested.SyntaxError is not null ? "syntax-error" : Outcome(Requested.Evaluation),
        Requested.Message,
        Requested.SyntaxError?.Line,
        Requested.SyntaxError?.Column);

    public static string Outcome(RequirementEvaluation? evaluation) => evaluation?.Outcome switch
    {
        RequirementOutcome.Satisfied => "satisfied",
        RequirementOutcome.NotSatisfied => "not-satisfied",
        _ => "unknown",
    };

    private static RequirementSet? InternalRequirements(VerificationReport report)
    {
        var blob = report.Architectures.FirstOrDefault(a => a.Best is not null)?.Signature?.Requirements;
        if (blob is null)
        {
            return null;
        }

        return RequirementSet.TryDecode(blob.Bytes.Span, out var set, out _) ? set : null;
    }

    private static QuarantineStory? ReadQuarantine(string path)
    {
        try
        {
            return QuarantineStory.Read(path, ExtendedAttributes.Instance, new QuarantineEventsDatabase());
        }
        catch (ExtendedAttributeException)
        {
            return null;
        }
    }
}

/// <summary>The caller's <c>--requirement</c> in <c>check --json</c>.</summary>
internal sealed record CheckJsonRequirement(string Text, string Outcome, string Explanation, int? Line, int? Column);
