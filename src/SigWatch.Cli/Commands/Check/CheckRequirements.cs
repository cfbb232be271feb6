using SigWatch.Cli.Output;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.CodeSigning.Requirements;
using SigWatch.Core.FileSystem;
using SigWatch.Core.Plist;
using SigWatch.Core.Quarantine;
using SigWatch.Core.Verification;
using SigWatch.Platform;
using SigWatch.Platform.Quarantine;

using Spectre.Console;

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
    /// <summary>For a bare file: its designated requirement (no Info.plist beyond an embedded one), the caller's requirement, its quarantine.</summary>
    public static CheckRequirements Evaluate(VerificationReport report, string? requirementText, string path) =>
        From(DesignatedRequirementCheck.Evaluate(report, infoPlist: null), requirementText, ReadQuarantine(path));

    /// <summary>The designated requirement as an assessment judged it, plus the caller's requirement judged against the same subject.</summary>
    public static CheckRequirements From(DesignatedRequirementCheck designated, string? requirementText, QuarantineStory? quarantine)
    {
        ArgumentNullException.ThrowIfNull(designated);
        var requested = requirementText is null ? null : RequirementCheck.Check(requirementText, designated.Subject, RequirementEvaluator.Default);
        return new CheckRequirements(designated.Designated, designated.Evaluation, requirementText, requested, quarantine);
    }

    /// <summary>The exit code with the requirement folded in: a syntax error is a usage error; an unmet requirement is 1.</summary>
    public int CombineExitCode(int verdictExitCode) =>
        Requested is { ExitCode: RequirementCheckResult.ExitSyntaxError } ? ExitCodes.Usage
        : verdictExitCode != ExitCodes.Ok ? verdictExitCode
        : Requested is { ExitCode: not RequirementCheckResult.ExitSatisfied } ? ExitCodes.Invalid
        : ExitCodes.Ok;

    public void WriteHuman(IAnsiConsole o)
    {
        if (Designated is not null)
        {
            // An explicit one is already among the internal requirements; an implicit one (codesign's "# designated =>") is not.
            if (!Designated.IsExplicit)
            {
                o.WriteLine(Designated.ToString());
            }

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

    public static string Outcome(RequirementEvaluation? evaluation) => DesignatedRequirementCheck.OutcomeName(evaluation);

    internal static QuarantineStory? ReadQuarantine(string path)
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
