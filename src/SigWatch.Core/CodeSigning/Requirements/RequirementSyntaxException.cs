namespace SigWatch.Core.CodeSigning.Requirements;

/// <summary>
/// A requirement text that does not follow the grammar. <see cref="Line"/> and <see cref="Column"/> are 1-based and
/// point at the offending token; <see cref="Expected"/> says what the grammar allowed there.
/// </summary>
public sealed class RequirementSyntaxException : FormatException
{
    public RequirementSyntaxException(int line, int column, string expected, string found)
        : base($"{line}:{column}: expected {expected}, found {found}")
    {
        Line = line;
        Column = column;
        Expected = expected;
        Found = found;
    }

    public int Line { get; }

    public int Column { get; }

    /// <summary>What the grammar allowed at this position (for example <c>"'and', 'or' or end of input"</c>).</summary>
    public string Expected { get; }

    /// <summary>The token actually found, quoted, or <c>end of input</c>.</summary>
    public string Found { get; }
}
