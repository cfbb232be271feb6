namespace SigWatch.Core.Seal;

internal enum LiteralKind
{
    None,
    Prefix,
    Exact,
}

/// <summary>
/// A rule pattern that is an anchored literal — "^Resources/", "^Info\.plist$", "^" + Regex.Escape(executable) + "$" —
/// matched with ordinal string comparison instead of a regex call (the walk matches every path against every rule).
/// Exact: only plain characters and backslash escapes of non-alphanumeric characters (always that character in .NET
/// regex) are literal; anything else is None and goes to the regex. '$' without RegexOptions.Multiline also matches
/// before a final '\n', and so does the exact form here.
/// </summary>
internal readonly record struct LiteralPattern(LiteralKind Kind, string Text)
{
    private const string Special = "\\*+?|{}[]()^$.#";

    public static LiteralPattern Of(string pattern)
    {
        if (pattern.Length == 0 || pattern[0] != '^')
        {
            return default;
        }

        var exact = pattern.Length > 1 && pattern[^1] == '$' && !EndsWithEscape(pattern.AsSpan(0, pattern.Length - 1));
        var body = pattern.AsSpan(1, pattern.Length - (exact ? 2 : 1));
        var text = new System.Text.StringBuilder(body.Length);
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (c == '\\')
            {
                if (i + 1 == body.Length || char.IsAsciiLetterOrDigit(body[i + 1]) || !char.IsAscii(body[i + 1]))
                {
                    return default;
                }

                text.Append(body[++i]);
            }
            else if (Special.Contains(c, StringComparison.Ordinal) || char.IsWhiteSpace(c))
            {
                return default;
            }
            else
            {
                text.Append(c);
            }
        }

        return new LiteralPattern(exact ? LiteralKind.Exact : LiteralKind.Prefix, text.ToString());
    }

    public bool Matches(string path) => Kind switch
    {
        LiteralKind.Prefix => path.StartsWith(Text, StringComparison.Ordinal),
        LiteralKind.Exact => path.Length == Text.Length
            ? string.Equals(path, Text, StringComparison.Ordinal)
            : path.Length == Text.Length + 1 && path[^1] == '\n' && path.StartsWith(Text, StringComparison.Ordinal),
        _ => false,
    };

    // "\$" at the end is an escaped dollar, not the anchor: an odd run of backslashes before it escapes it.
    private static bool EndsWithEscape(ReadOnlySpan<char> beforeDollar)
    {
        var backslashes = 0;
        for (var i = beforeDollar.Length - 1; i >= 0 && beforeDollar[i] == '\\'; i--)
        {
            backslashes++;
        }

        return backslashes % 2 == 1;
    }
}
