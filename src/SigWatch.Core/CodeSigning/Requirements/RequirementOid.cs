using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace SigWatch.Core.CodeSigning.Requirements;

/// <summary>
/// Converts between dotted OID text and the DER content bytes (no tag, no length) that requirement programs store
/// for <c>field.</c>, <c>policy.</c> and <c>timestamp.</c> keys (requirements.grammar <c>certMatchOperation</c>,
/// which calls CssmAutoData::fromOid; reqdumper.cpp prints them back with CssmOid::toOid).
/// </summary>
public static class RequirementOid
{
    /// <summary>
    /// Dotted text for canonically encoded content bytes; false for bytes that are not a minimal base-128 encoding
    /// (those cannot be written as dotted text and read back to the same bytes).
    /// </summary>
    public static bool TryToDotted(ReadOnlySpan<byte> content, [NotNullWhen(true)] out string? dotted)
    {
        dotted = null;
        if (content.IsEmpty)
        {
            return false;
        }

        var builder = new StringBuilder();
        var first = true;
        var i = 0;
        while (i < content.Length)
        {
            if (content[i] == 0x80)
            {
                return false; // leading zero group: not minimal
            }

            ulong value = 0;
            while (true)
            {
                if (i >= content.Length || value > (ulong.MaxValue >> 7))
                {
                    return false; // truncated or too large for our arithmetic
                }

                var b = content[i++];
                value = (value << 7) | (uint)(b & 0x7F);
                if ((b & 0x80) == 0)
                {
                    break;
                }
            }

            if (first)
            {
                // X.690 8.19.4: the first subidentifier packs the first two arcs.
                var (a, b) = value < 40 ? (0UL, value) : value < 80 ? (1UL, value - 40) : (2UL, value - 80);
                builder.Append(a.ToString(CultureInfo.InvariantCulture)).Append('.').Append(b.ToString(CultureInfo.InvariantCulture));
                first = false;
            }
            else
            {
                builder.Append('.').Append(value.ToString(CultureInfo.InvariantCulture));
            }
        }

        dotted = builder.ToString();
        return true;
    }

    /// <summary>DER content bytes for dotted text such as <c>1.2.840.113635.100.6.2.6</c>; false when it is not an OID.</summary>
    public static bool TryFromDotted(string dotted, [NotNullWhen(true)] out byte[]? content)
    {
        content = null;
        var parts = dotted.Split('.');
        if (parts.Length < 2)
        {
            return false;
        }

        var arcs = new ulong[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i].Length == 0 || !parts[i].All(char.IsAsciiDigit)
                || !ulong.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out arcs[i]))
            {
                return false;
            }
        }

        if (arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40) || arcs[1] > ulong.MaxValue - 80)
        {
            return false;
        }

        var bytes = new List<byte>();
        AppendBase128(bytes, arcs[0] * 40 + arcs[1]);
        for (var i = 2; i < arcs.Length; i++)
        {
            AppendBase128(bytes, arcs[i]);
        }

        content = bytes.ToArray();
        return true;
    }

    public static string ToDottedOrHex(ReadOnlySpan<byte> content) =>
        TryToDotted(content, out var dotted) ? dotted : "0x" + Convert.ToHexStringLower(content);

    private static void AppendBase128(List<byte> bytes, ulong value)
    {
        Span<byte> groups = stackalloc byte[10];
        var n = 0;
        do
        {
            groups[n++] = (byte)(value & 0x7F);
            value >>= 7;
        }
        while (value != 0);

        for (var i = n - 1; i >= 0; i--)
        {
            bytes.Add((byte)(groups[i] | (i == 0 ? 0 : 0x80)));
        }
    }
}
