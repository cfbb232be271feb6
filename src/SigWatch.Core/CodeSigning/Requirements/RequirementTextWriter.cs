using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace SigWatch.Core.CodeSigning.Requirements;

/// <summary>How <see cref="RequirementTextWriter"/> renders a tree.</summary>
public enum RequirementTextStyle
{
    /// <summary>
    /// Exactly what <c>codesign -d -r-</c> prints (reqdumper.cpp): parentheses only where precedence needs them,
    /// so a right-nested <c>and</c> chain (as drmaker.cpp builds) prints like a left-nested one, dates print as
    /// <c>&lt;CFDate description&gt;</c>, and <c>absent</c> keeps Apple's trailing space.
    /// </summary>
    Canonical,

    /// <summary>
    /// Canonical text with the changes needed to read the same tree back: parentheses wherever the tree is not the
    /// left-nested shape the parser builds, dates as <c>timestamp "YYYYMMDDhhmmssZ"</c>, <c>certificate N trusted</c>
    /// with its space, and quotes around keys that are not lexer DOTKEYs and around non-ASCII identifiers, keys and
    /// names. Parsing this text and encoding it reproduces the original program bytes (except for the legacy
    /// opInfoKeyValue, unknown generic opcodes and unknown match operations, which have no source form, and
    /// identifiers or keys that are not UTF-8).
    /// </summary>
    RoundTrip,
}

/// <summary>
/// Writes requirement trees as text, following reqdumper.cpp <c>Dumper::expr</c>, <c>certSlot</c>, <c>match</c>,
/// <c>data</c> and <c>hashData</c> token for token.
/// </summary>
public static class RequirementTextWriter
{
    // reqdumper.cpp Dumper::SyntaxLevel: a child is parenthesised when its operator is weaker than the level asked for.
    private enum Level
    {
        Primary,
        And,
        Or,
        Top,
    }

    private enum PrintMode
    {
        Simple,
        Printable,
        Binary,
    }

    /// <summary>Reserved words (RequirementKeywords.h) plus the empty string, which reqdumper.cpp also quotes.</summary>
    internal static readonly FrozenSet<string> Keywords = new[]
    {
        "guest", "host", "designated", "library", "plugin", "or", "and", "always", "true", "never", "false",
        "identifier", "cdhash", "platform", "notarized", "legacy", "anchor", "apple", "generic", "certificate",
        "cert", "trusted", "info", "entitlement", "exists", "absent", "leaf", "root", "timestamp", string.Empty,
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Text of one requirement: <c>Dumper::dump</c> drops a single leading space from the whole output.</summary>
    public static string Write(RequirementExpression expression, RequirementTextStyle style)
    {
        var text = WriteRaw(expression, style);
        return text.StartsWith(' ') ? text[1..] : text;
    }

    /// <summary>
    /// Text of one requirement as it appears after <c>designated =&gt; </c> in a set: reqdumper.cpp dumps set
    /// members with <c>expr()</c> directly, so a leading space is kept there.
    /// </summary>
    internal static string WriteRaw(RequirementExpression expression, RequirementTextStyle style)
    {
        var builder = new StringBuilder();
        new Writer(builder, style).Expr(expression, Level.Top);
        return builder.ToString();
    }

    /// <summary><c>codesign</c>'s name for a requirement type (requirement.cpp <c>typeNames</c>), or Apple's unknown-type form.</summary>
    public static string TypePrefix(uint type) => type switch
    {
        0 => "invalid => ",
        1 => "host => ",
        2 => "guest => ",
        3 => "designated => ",
        4 => "library => ",
        5 => "plugin => ",
        _ => $"/*unknown type*/ {type.ToString(CultureInfo.InvariantCulture)} => ",
    };

    /// <summary>Apple's bare/quoted/hex choice for a datum (reqdumper.cpp <c>Dumper::data</c>).</summary>
    /// <param name="readable">
    /// RoundTrip style: also quote what the grammar could not read back bare (dotted keys that are not DOTKEYs) and,
    /// when <paramref name="textOnly"/> (identifier, key and name positions, which take no 0xhex), quote non-ASCII
    /// UTF-8 that reqdumper would print as hex.
    /// </param>
    internal static void AppendData(StringBuilder output, ReadOnlySpan<byte> data, bool dotOkay, bool readable = false, bool textOnly = false)
    {
        var mode = PrintMode.Simple;
        for (var n = 0; n < data.Length; n++)
        {
            var c = data[n];
            if (IsAlnum(c) || (c == '.' && dotOkay))
            {
                if (n == 0 && char.IsAsciiDigit((char)c))
                {
                    mode = PrintMode.Printable; // unquoted idents can't start with a digit
                }
            }
            else if (IsGraph(c) || IsSpace(c))
            {
                if (mode == PrintMode.Simple)
                {
                    mode = PrintMode.Printable;
                }
            }
            else
            {
                mode = PrintMode.Binary;
                break;
            }
        }

        if (mode == PrintMode.Simple && Keywords.Contains(Encoding.ASCII.GetString(data)))
        {
            mode = PrintMode.Printable; // reserved word; needs quotes
        }

        if (mode == PrintMode.Simple && readable && dotOkay && !IsDotKey(data))
        {
            // reqdumper prints keys such as "a." or "a..b" bare although the lexer cannot read them back.
            mode = PrintMode.Printable;
        }

        if (mode == PrintMode.Binary && readable && textOnly && System.Text.Unicode.Utf8.IsValid(data))
        {
            mode = PrintMode.Printable;
        }

        switch (mode)
        {
            case PrintMode.Simple:
                output.Append(Encoding.ASCII.GetString(data));
                break;
            case PrintMode.Printable:
                // Printable data is ASCII (or, in RoundTrip style, valid UTF-8); the dumper writes the bytes as they are.
                output.Append('"');
                foreach (var c in Encoding.UTF8.GetString(data))
                {
                    if (c is '\\' or '"')
                    {
                        output.Append('\\');
                    }

                    output.Append(c);
                }

                output.Append('"');
                break;
            default:
                output.Append("0x").Append(Convert.ToHexStringLower(data));
                break;
        }
    }

    /// <summary>The lexer's DOTKEY: <c>IDENT ("." (IDENT | INTEGER))*</c>, IDENT = letter then letters/digits.</summary>
    internal static bool IsDotKey(ReadOnlySpan<byte> data)
    {
        var i = 0;
        var expectIdent = true;
        while (true)
        {
            if (i >= data.Length)
            {
                return false;
            }

            if (char.IsAsciiLetter((char)data[i]))
            {
                while (i < data.Length && IsAlnum(data[i]))
                {
                    i++;
                }
            }
            else if (!expectIdent && char.IsAsciiDigit((char)data[i]))
            {
                while (i < data.Length && char.IsAsciiDigit((char)data[i]))
                {
                    i++;
                }
            }
            else
            {
                return false;
            }

            if (i == data.Length)
            {
                return true;
            }

            if (data[i] != '.')
            {
                return false;
            }

            i++;
            expectIdent = false;
        }
    }

    // C-locale ctype classes, which is what reqdumper.cpp gets on every Mac.
    private static bool IsAlnum(byte c) => char.IsAsciiLetterOrDigit((char)c);

    private static bool IsGraph(byte c) => c is >= 0x21 and <= 0x7E;

    private static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or 0x0B or 0x0C or (byte)'\r';

    /// <summary>
    /// CFCopyDescription of a CFDate, as reqdumper.cpp <c>timestamp()</c> prints it inside angle brackets [?]:
    /// <c>2019-04-08 00:00:00 +0000</c>. Values outside DateTime's range print as raw seconds.
    /// </summary>
    internal static string DescribeTimestamp(long seconds) =>
        RequirementTimestamp.TryToDateTime(seconds, out var at)
            ? at.ToString("yyyy'-'MM'-'dd' 'HH':'mm':'ss' +0000'", CultureInfo.InvariantCulture)
            : seconds.ToString(CultureInfo.InvariantCulture);

    private readonly struct Writer(StringBuilder output, RequirementTextStyle style)
    {
        private bool Readable => style == RequirementTextStyle.RoundTrip;

        public void Expr(RequirementExpression expression, Level level)
        {
            switch (expression)
            {
                case ConstantExpression c:
                    output.Append(c.Value ? "always" : "never");
                    break;
                case IdentifierExpression id:
                    output.Append("identifier ");
                    AppendData(output, id.Identifier.Span, dotOkay: false, Readable, textOnly: true);
                    break;
                case AppleAnchorExpression:
                    output.Append("anchor apple");
                    break;
                case AppleGenericAnchorExpression:
                    output.Append("anchor apple generic");
                    break;
                case CertificateHashExpression hash:
                    output.Append("certificate");
                    Slot(hash.Slot);
                    output.Append(" = ");
                    Hash(hash.Hash);
                    break;
                case LegacyInfoExpression legacy:
                    output.Append("info[");
                    AppendData(output, legacy.Key.Span, dotOkay: true, Readable, textOnly: true);
                    output.Append("] = ");
                    AppendData(output, legacy.Value.Span, dotOkay: false);
                    break;
                case AndExpression and:
                    Binary(and.Left, and.Right, " and ", Level.And, level, and.Right is AndExpression);
                    break;
                case OrExpression or:
                    Binary(or.Left, or.Right, " or ", Level.Or, level, or.Right is OrExpression);
                    break;
                case NotExpression not:
                    output.Append("! ");
                    Expr(not.Operand, Level.Primary);
                    break;
                case CdHashExpression cdhash:
                    output.Append("cdhash ");
                    Hash(cdhash.Hash);
                    break;
                case InfoExpression info:
                    output.Append("info[");
                    AppendData(output, info.Key.Span, dotOkay: true, Readable, textOnly: true);
                    output.Append(']');
                    Match(info.Match);
                    break;
                case EntitlementExpression entitlement:
                    output.Append("entitlement[");
                    AppendData(output, entitlement.Key.Span, dotOkay: true, Readable, textOnly: true);
                    output.Append(']');
                    Match(entitlement.Match);
                    break;
                case CertificateFieldExpression field:
                    output.Append("certificate");
                    Slot(field.Slot);
                    output.Append('[');
                    FieldKey(field);
                    output.Append(']');
                    Match(field.Match);
                    break;
                case TrustedCertificateExpression trusted:
                    // reqdumper.cpp prints "certificate" + " N" + "trusted" with no space before "trusted".
                    output.Append("certificate");
                    Slot(trusted.Slot);
                    output.Append(style == RequirementTextStyle.Canonical ? "trusted" : " trusted");
                    break;
                case TrustedCertificatesExpression:
                    output.Append("anchor trusted");
                    break;
                case NamedAnchorExpression named:
                    output.Append("anchor apple ");
                    AppendData(output, named.Name.Span, dotOkay: false, Readable, textOnly: true);
                    break;
                case NamedCodeExpression code:
                    output.Append('(');
                    AppendData(output, code.Name.Span, dotOkay: false, Readable, textOnly: true);
                    output.Append(')');
                    break;
                case PlatformExpression platform:
                    output.Append("platform = ").Append(platform.Platform.ToString(CultureInfo.InvariantCulture));
                    break;
                case NotarizedExpression:
                    output.Append("notarized");
                    break;
                case LegacyDeveloperIdExpression:
                    output.Append("legacy");
                    break;
                case UnknownOperationExpression unknown:
                    var number = (unknown.Opcode & ~(uint)RequirementOpcodeFlags.Mask).ToString(CultureInfo.InvariantCulture);
                    if (unknown.IsSkip)
                    {
                        output.Append(" /* opcode ").Append(number).Append(" */");
                        if (unknown.Next is not null)
                        {
                            output.Append(' ');
                            Expr(unknown.Next, level);
                        }
                    }
                    else
                    {
                        output.Append(" false /* opcode ").Append(number).Append(" */");
                    }

                    break;
                default:
                    throw new ArgumentException($"unsupported expression node {expression.GetType().Name}", nameof(expression));
            }
        }

        private void Binary(
            RequirementExpression left, RequirementExpression right, string joiner, Level own, Level level, bool rightIsSameOperator)
        {
            var parenthesise = level < own;
            if (parenthesise)
            {
                output.Append('(');
            }

            Expr(left, own);
            output.Append(joiner);

            // The parser builds left-nested chains; a right operand of the same operator must be bracketed for the
            // text to read back as the same tree. codesign itself does not do this (it loses the nesting).
            Expr(right, style == RequirementTextStyle.RoundTrip && rightIsSameOperator ? Level.Primary : own);
            if (parenthesise)
            {
                output.Append(')');
            }
        }

        private void Slot(int slot)
        {
            output.Append(slot switch
            {
                CertificateSlot.Root => " root",
                CertificateSlot.Leaf => " leaf",
                _ => " " + slot.ToString(CultureInfo.InvariantCulture),
            });
        }

        private void Hash(RequirementData hash) => output.Append("H\"").Append(hash.ToHex()).Append('"');

        private void FieldKey(CertificateFieldExpression field)
        {
            if (field.Kind == CertificateFieldKind.Subject)
            {
                AppendData(output, field.Key.Span, dotOkay: true, Readable, textOnly: true);
                return;
            }

            var prefix = field.Kind switch
            {
                CertificateFieldKind.Extension => "field.",
                CertificateFieldKind.Policy => "policy.",
                _ => "timestamp.",
            };
            if (RequirementOid.TryToDotted(field.Key.Span, out var dotted))
            {
                output.Append(prefix).Append(dotted);
            }
            else
            {
                // Not a minimal OID encoding: no dotted form reads back to these bytes, so use the quoted hex
                // form our parser accepts (Apple's dumper has no defined output for this case).
                output.Append('"').Append(prefix).Append("0x").Append(field.Key.ToHex()).Append('"');
            }
        }

        private void Match(RequirementMatch match)
        {
            switch (match.Operation)
            {
                case MatchOperation.Exists:
                    output.Append(" /* exists */");
                    break;
                case MatchOperation.Absent:
                    output.Append(" absent ");
                    break;
                case MatchOperation.Equal:
                    Value(" = ", match, string.Empty);
                    break;
                case MatchOperation.Contains:
                    Value(" ~ ", match, string.Empty);
                    break;
                case MatchOperation.BeginsWith:
                    Value(" = ", match, "*");
                    break;
                case MatchOperation.EndsWith:
                    Value(" = *", match, string.Empty);
                    break;
                case MatchOperation.LessThan:
                    Value(" < ", match, string.Empty);
                    break;
                case MatchOperation.GreaterEqual:
                    Value(" >= ", match, string.Empty);
                    break;
                case MatchOperation.LessEqual:
                    Value(" <= ", match, string.Empty);
                    break;
                case MatchOperation.GreaterThan:
                    Value(" > ", match, string.Empty);
                    break;
                case MatchOperation.On:
                    Date(" = ", match);
                    break;
                case MatchOperation.Before:
                    Date(" < ", match);
                    break;
                case MatchOperation.After:
                    Date(" > ", match);
                    break;
                case MatchOperation.OnOrBefore:
                    Date(" <= ", match);
                    break;
                case MatchOperation.OnOrAfter:
                    Date(" >= ", match);
                    break;
                default:
                    output.Append("MATCH OPCODE ").Append(((uint)match.Operation).ToString(CultureInfo.InvariantCulture)).Append(" NOT UNDERSTOOD");
                    break;
            }
        }

        private void Value(string op, RequirementMatch match, string suffix)
        {
            output.Append(op);
            AppendData(output, (match.Value ?? RequirementData.Empty).Span, dotOkay: false);
            output.Append(suffix);
        }

        private void Date(string op, RequirementMatch match)
        {
            output.Append(op);
            var seconds = match.Timestamp ?? 0;
            if (style == RequirementTextStyle.RoundTrip && RequirementTimestamp.TryToDateTime(seconds, out var at))
            {
                output.Append("timestamp \"").Append(RequirementTimestamp.ToGeneralizedTime(at)).Append('"');
            }
            else
            {
                output.Append('<').Append(DescribeTimestamp(seconds)).Append('>');
            }
        }
    }
}
