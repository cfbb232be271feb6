namespace SigWatch.Core.Seal;

internal enum LiteralKind
{
    None,
    Prefix,
    Exact,

    /// <summary><c>^(.*/)?literal$</c>: the last path component (Apple's ".DS_Store" rule), anywhere in the tree.</summary>
    FileName,
}

/// <summary>
/// A rule pattern that is an anchored literal — "^Resources/", "^Info\.plist$", "^" + Regex.Escape(executable) + "$" —
/// matched with ordinal string comparison instead of a regex call (the walk matches every path against every rule).
/// Exact: only plain characters and backslash escapes of non-alphanumeric characters (always that character in .NET
/// regex) are literal; anything else is None and goes to the regex. '$' without RegexOptions.Multiline also matches
/// before a final '\n', and so does the exact form here. FileName: "^(.*/)?" + an exact literal, which every path is
/// otherwise scanned for by the regex (the ".DS_Store" rule of Apple's default rules, one of the costliest per path).
/// </summary>
internal readonly record struct LiteralPattern(LiteralKind Kind, string Text)
{
    private const string Special = "\\*+?|{}[]()^$.#";

    private const string AnyDirectories = "^(.*/)?";

    public static LiteralPattern Of(string pattern)
    {
        if (pattern.Length == 0 || pattern[0] != '^')
        {
            return default;
        }

        if (pattern.StartsWith(AnyDirectories, StringComparison.Ordinal))
        {
            var name = Of("^" + pattern[AnyDirectories.Length..]);
            return name.Kind == LiteralKind.Exact && name.Text.Length > 0 ? new LiteralPattern(LiteralKind.FileName, name.Text) : default;
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
        LiteralKind.FileName => MatchesFileName(path),
        _ => false,
    };

    // The regex: an optional run of characters other than '\n' ending in '/', then the name, then the end or a final
    // '\n'. The literal itself holds no '\n' (whitespace is never literal here).
    private bool MatchesFileName(string path)
    {
        var candidate = path.EndsWith('\n') ? path.AsSpan(0, path.Length - 1) : path.AsSpan();
        if (!candidate.EndsWith(Text, StringComparison.Ordinal))
        {
            return false;
        }

        var directories = candidate[..^Text.Length];
        return directories.IsEmpty || (directories[^1] == '/' && !directories.Contains('\n'));
    }

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
