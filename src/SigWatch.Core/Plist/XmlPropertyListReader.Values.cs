using System.Buffers;
using System.Globalization;
using System.Numerics;

namespace SigWatch.Core.Plist;

/// <summary>
/// The conversions from an element's text to its value (and the scratch lists), shared by the XmlReader path and
/// <see cref="XmlPropertyListFastReader"/> so both read every value alike.
/// </summary>
public static partial class XmlPropertyListReader
{
    /// <summary>
    /// Optional sign, then decimal digits or a 0x/0X prefix and hex digits, with surrounding whitespace.
    /// CF-Lite CFPropertyList.c parseIntegerTag accepts the same shapes (a sign, an isHex flag for "0x", digits,
    /// "Hex digit in non-hex &lt;integer&gt;" otherwise) and fails with "Encountered &lt;integer&gt; too large
    /// to represent" on overflow. The range here is the full [-2^63, 2^64-1] that binary plists can carry.
    /// </summary>
    internal static bool TryParseInteger(ReadOnlySpan<char> text, out Int128 value, out bool outOfRange)
    {
        value = 0;
        outOfRange = false;
        var negative = false;
        if (text.Length > 0 && (text[0] == '-' || text[0] == '+'))
        {
            negative = text[0] == '-';
            text = text[1..];
        }

        var style = NumberStyles.None;
        if (text.Length > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        {
            text = text[2..];
            style = NumberStyles.AllowHexSpecifier;
        }

        if (text.Length == 0)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!(style == NumberStyles.None ? char.IsAsciiDigit(c) : char.IsAsciiHexDigit(c)))
            {
                return false;
            }
        }

        // Any digit string parses into a BigInteger; range is checked afterwards so "too big" is told apart from "not a number".
        var magnitude = BigInteger.Parse(style == NumberStyles.None ? text : string.Concat("0", text), style, CultureInfo.InvariantCulture);
        if (negative)
        {
            magnitude = -magnitude;
        }

        if (magnitude < (BigInteger)long.MinValue || magnitude > (BigInteger)ulong.MaxValue)
        {
            outOfRange = true;
            return false;
        }

        value = (Int128)magnitude;
        return true;
    }

    /// <summary>
    /// Decimal/exponent notation, or the spellings CoreFoundation writes and reads for non-finite values:
    /// "nan", "inf"/"infinity" with an optional sign, any case.
    /// </summary>
    internal static bool TryParseReal(ReadOnlySpan<char> text, out double value)
    {
        var unsigned = text.Length > 0 && (text[0] == '+' || text[0] == '-') ? text[1..] : text;
        var sign = text.Length > 0 && text[0] == '-' ? -1.0 : 1.0;
        if (unsigned.Equals("nan", StringComparison.OrdinalIgnoreCase))
        {
            value = double.NaN;
            return true;
        }

        if (unsigned.Equals("inf", StringComparison.OrdinalIgnoreCase) || unsigned.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = sign * double.PositiveInfinity;
            return true;
        }

        return double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Apple's only date form, YYYY-MM-DDTHH:MM:SSZ (CFPropertyList.c parseDateTag), in UTC.</summary>
    internal static bool TryParseDate(ReadOnlySpan<char> text, out DateTimeOffset value) =>
        DateTimeOffset.TryParseExact(
            text,
            "yyyy-MM-dd'T'HH:mm:ss'Z'",
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out value);

    /// <summary>The bytes of a &lt;data&gt; element's text, or null when it is not base64.</summary>
    internal static byte[]? TryDecodeBase64(ReadOnlySpan<char> chars) => DecodeBase64(chars, keep: true, out var bytes) ? bytes : null;

    /// <summary>Whether <see cref="TryDecodeBase64"/> takes the text: the same decoding, its bytes dropped.</summary>
    internal static bool IsBase64(ReadOnlySpan<char> chars) => DecodeBase64(chars, keep: false, out _);

    private static bool DecodeBase64(ReadOnlySpan<char> chars, bool keep, out byte[]? bytes)
    {
        bytes = null;
        var text = chars.Trim();
        // Apple writes "\n\t\t<base64>\n\t\t": trimming first keeps single-line data (every hash in a
        // CodeResources) on Convert's vectorised path, which drops to a slow path at the first whitespace.
        // Whitespace inside is still allowed; the decoded length is at most 3/4 of the characters.
        var maxLength = (text.Length / 4 * 3) + 3;
        var rented = maxLength <= 256 ? null : ArrayPool<byte>.Shared.Rent(maxLength);
        try
        {
            var destination = rented ?? stackalloc byte[256];
            if (!Convert.TryFromBase64Chars(text, destination, out var written))
            {
                return false;
            }

            bytes = keep ? destination[..written].ToArray() : null;
            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>A scratch list per nesting level, reused for each container there; each container copies it once.</summary>
    internal static List<T> Scratch<T>(List<List<T>> pool, int depth)
    {
        while (pool.Count <= depth)
        {
            pool.Add([]);
        }

        var list = pool[depth];
        list.Clear();
        return list;
    }
}
