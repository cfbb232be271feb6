namespace SigWatch.Core.CodeSigning.Requirements;

/// <summary>
/// What <c>sigwatch check PATH --requirement EXPR</c> needs in one call: parse the text (a single requirement or a
/// <c>type =&gt;</c> set, whose designated entry is used), evaluate it, and map the outcome to the documented exit
/// codes: 0 satisfied, 1 not satisfied or undecidable offline, 2 syntax error.
/// </summary>
public sealed record RequirementCheckResult(
    Requirement? Requirement, RequirementEvaluation? Evaluation, RequirementSyntaxException? SyntaxError)
{
    public const int ExitSatisfied = 0;
    public const int ExitNotSatisfied = 1;
    public const int ExitSyntaxError = 2;

    /// <summary>Unknown is not "satisfied": it exits 1, with an explanation that says it could not be decided.</summary>
    public int ExitCode => SyntaxError is not null ? ExitSyntaxError
        : Evaluation!.IsSatisfied ? ExitSatisfied : ExitNotSatisfied;

    /// <summary>The line to print: the syntax error with its position, or the evaluation explanation.</summary>
    public string Message => SyntaxError?.Message ?? Evaluation!.Explanation;
}

public static class RequirementCheck
{
    /// <summary>Parses and evaluates <paramref name="requirementText"/> against <paramref name="subject"/>.</summary>
    public static RequirementCheckResult Check(string requirementText, IRequirementSubject subject, RequirementEvaluator evaluator)
    {
        ArgumentNullException.ThrowIfNull(requirementText);
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(evaluator);
        Requirement requirement;
        try
        {
            requirement = RequirementParser.ParseAny(requirementText) switch
            {
                Requirement single => single,
                RequirementSet set => set.Designated ?? throw new RequirementSyntaxException(1, 1, "a 'designated =>' entry in the requirement set", "none"),
                _ => throw new InvalidOperationException("ParseAny returns a requirement or a set"),
            };
        }
        catch (RequirementSyntaxException error)
        {
            return new RequirementCheckResult(null, null, error);
        }

        return new RequirementCheckResult(requirement, evaluator.Evaluate(requirement, subject), null);
    }
}
