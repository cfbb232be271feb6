using System.Globalization;
using System.Text;

namespace SigWatch.Core.Plist;

/// <summary>
/// Writes XML property lists in the layout CoreFoundation produces (CFPropertyList.c, <c>_CFAppendXML0</c>):
/// the Apple prolog and DOCTYPE, one tab per nesting level, keys in the dictionary's order, empty containers as
/// <c>&lt;dict/&gt;</c>/<c>&lt;array/&gt;</c>, base64 data on its own lines, and dates as <c>YYYY-MM-DDTHH:MM:SSZ</c> in UTC.
/// </summary>
public static class XmlPropertyListWriter
{
    private const string Prolog =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" +
        "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n" +
        "<plist version=\"1.0\">\n";

    private const string Epilog = "</plist>\n";

    // CFPropertyList.c _XMLPlistAppendDataUsingBase64: lines hold at most 76 characters with each tab
    // counted as 8, and the data lines are indented by at most 8 tabs.
    private const int Base64MaxLineLength = 76;
    private const int Base64MaxIndent = 8;
    private const int TabWidth = 8;

    /// <summary>Serialises <paramref name="value"/> as UTF-8 XML.</summary>
    /// <exception cref="ArgumentException">A string holds a character XML 1.0 cannot carry (C0 control other than tab/LF/CR, U+FFFE/U+FFFF, an unpaired surrogate).</exception>
    public static byte[] Write(PlistValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(Prolog, 4096);
        Append(builder, value, 0);
        builder.Append(Epilog);
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    /// <summary>Serialises <paramref name="value"/> as UTF-8 XML to <paramref name="destination"/>.</summary>
    public static void Write(PlistValue value, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        destination.Write(Write(value));
    }

    private static void Append(StringBuilder sb, PlistValue value, int indent)
    {
        sb.Append('\t', indent);
        switch (value)
        {
            case PlistString s:
                sb.Append("<string>");
                AppendEscaped(sb, s.Value);
                sb.Append("</string>\n");
                break;
            case PlistInteger i:
                sb.Append("<integer>").Append(i.Value.ToString(CultureInfo.InvariantCulture)).Append("</integer>\n");
                break;
            case PlistReal r:
                sb.Append("<real>").Append(FormatReal(r.Value)).Append("</real>\n");
                break;
            case PlistBoolean b:
                sb.Append(b.Value ? "<true/>\n" : "<false/>\n");
                break;
            case PlistDate d:
                // Apple's format has whole seconds; sub-second ticks are dropped, as CoreFoundation does.
                sb.Append("<date>").Append(d.Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)).Append("</date>\n");
                break;
            case PlistData data:
                sb.Append("<data>\n");
                AppendBase64(sb, data.Value.Span, indent);
                sb.Append('\t', indent).Append("</data>\n");
                break;
            case PlistUid uid:
                // No XML element exists for a UID; CoreFoundation writes the keyed-archiver dictionary form.
                sb.Append("<dict>\n");
                sb.Append('\t', indent + 1).Append("<key>CF$UID</key>\n");
                sb.Append('\t', indent + 1).Append("<integer>").Append(uid.Value.ToString(CultureInfo.InvariantCulture)).Append("</integer>\n");
                sb.Append('\t', indent).Append("</dict>\n");
                break;
            case PlistArray a when a.Count == 0:
                sb.Append("<array/>\n");
                break;
            case PlistArray a:
                sb.Append("<array>\n");
                foreach (var item in a.Items)
                {
                    Append(sb, item, indent + 1);
                }

                sb.Append('\t', indent).Append("</array>\n");
                break;
            case PlistDictionary dict when dict.Count == 0:
                sb.Append("<dict/>\n");
                break;
            case PlistDictionary dict:
                sb.Append("<dict>\n");
                foreach (var (key, item) in dict)
                {
                    sb.Append('\t', indent + 1).Append("<key>");
                    AppendEscaped(sb, key);
                    sb.Append("</key>\n");
                    Append(sb, item, indent + 1);
                }

                sb.Append('\t', indent).Append("</dict>\n");
                break;
            default:
                throw new ArgumentException($"Unknown property-list value type {value.GetType().Name}.", nameof(value));
        }
    }

    /// <summary>
    /// Escapes &amp;, &lt; and &gt; as CoreFoundation does. CR is written as <c>&amp;#13;</c> (XML parsers turn a raw CR
    /// into LF, which would change the string); characters XML 1.0 cannot carry are refused rather than written broken.
    /// </summary>
    private static void AppendEscaped(StringBuilder sb, string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            string? replacement = c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '\r' => "&#13;",
                _ => null,
            };
            if (replacement is null)
            {
                if ((c < 0x20 && c != '\t' && c != '\n') || c == '\uFFFE' || c == '\uFFFF')
                {
                    throw new ArgumentException($"String holds U+{(int)c:X4}, which XML 1.0 cannot represent.", nameof(text));
                }

                if (char.IsSurrogate(c))
                {
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        i++;
                        continue;
                    }

                    throw new ArgumentException("String holds an unpaired surrogate, which UTF-8 XML cannot represent.", nameof(text));
                }

                continue;
            }

            sb.Append(text, start, i - start).Append(replacement);
            start = i + 1;
        }

        sb.Append(text, start, text.Length - start);
    }

    /// <summary>CoreFoundation's spellings for non-finite reals; otherwise the shortest round-trip form.</summary>
    internal static string FormatReal(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "+infinity" : "-infinity";
        }

        // "R" gives the shortest string that parses back to the same double; lower-case the exponent as C's %g does.
        return value.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');
    }

    private static void AppendBase64(StringBuilder sb, ReadOnlySpan<byte> data, int indent)
    {
        if (data.IsEmpty)
        {
            return;
        }

        var lineIndent = Math.Min(indent, Base64MaxIndent);
        // Base64MaxLineLength and TabWidth * lineIndent are multiples of 4, so a line always ends on a
        // whole base64 quantum: bytesPerLine is exact.
        var charsPerLine = Base64MaxLineLength - (TabWidth * lineIndent);
        var bytesPerLine = charsPerLine / 4 * 3;
        for (var offset = 0; offset < data.Length; offset += bytesPerLine)
        {
            var chunk = data.Slice(offset, Math.Min(bytesPerLine, data.Length - offset));
            sb.Append('\t', lineIndent).Append(Convert.ToBase64String(chunk)).Append('\n');
        }
    }
}
