using System.Buffers;
using System.Globalization;
using System.Text;

namespace SigWatch.Core.FileSystem;

/// <summary>
/// File names are bytes. On Linux (and on foreign volumes) a name need not be valid UTF-8, and .NET's own file APIs decode
/// such a name with U+FFFD, after which it can be neither opened nor told apart from its neighbours. SigWatch keeps every
/// name exactly: the bytes that are not valid UTF-8 are carried in the string as lone low surrogates U+DC80…U+DCFF (one
/// per byte, the "surrogateescape" scheme: a valid UTF-8 name never decodes to a lone surrogate, so the mapping is exact
/// both ways), the platform layer turns such strings back into the original bytes for every system call, and wherever a
/// name leaves the process (the database, the protocol, logs, JSON) it is written in its <see cref="Display"/> form.
/// </summary>
public static class FileNames
{
    private const char EscapeBase = '\uDC00';
    private const char FirstEscape = '\uDC80';
    private const char LastEscape = '\uDCFF';

    /// <summary>Decodes the bytes of a name or path: valid UTF-8 as text, every other byte as its escape character.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return Encoding.UTF8.GetString(bytes);
        }

        var builder = new StringBuilder(bytes.Length);
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out var rune, out var consumed) == OperationStatus.Done)
            {
                builder.Append(rune.ToString());
                bytes = bytes[consumed..];
            }
            else
            {
                // Only bytes ≥ 0x80 can start an invalid sequence: ASCII is always valid UTF-8.
                builder.Append((char)(EscapeBase + bytes[0]));
                bytes = bytes[1..];
            }
        }

        return builder.ToString();
    }

    /// <summary>The original bytes of a string made by <see cref="Decode"/> (any other string is encoded as UTF-8).</summary>
    public static byte[] Encode(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!HasRawBytes(name))
        {
            return Encoding.UTF8.GetBytes(name);
        }

        var output = new ArrayBufferWriter<byte>(name.Length + 8);
        Span<byte> scratch = stackalloc byte[4];
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                var written = new Rune(c, name[++i]).EncodeToUtf8(scratch);
                output.Write(scratch[..written]);
            }
            else if (c is >= FirstEscape and <= LastEscape)
            {
                output.Write([(byte)(c - EscapeBase)]);
            }
            else
            {
                // A lone surrogate that no decoded name contains: written as U+FFFD, as UTF-8 cannot carry it.
                var written = (Rune.TryCreate(c, out var rune) ? rune : Rune.ReplacementChar).EncodeToUtf8(scratch);
                output.Write(scratch[..written]);
            }
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>True when <paramref name="name"/> carries bytes that are not valid UTF-8 (escape characters not part of a pair).</summary>
    public static bool HasRawBytes(string name)
    {
        // Nearly every name has no surrogate at all: one vectorised scan answers, and only a name with one is walked
        // pair by pair (it runs for every entry of a walk and every path handed to a system call).
        var first = name.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF');
        if (first < 0)
        {
            return false;
        }

        for (var i = first; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
            }
            else if (c is >= FirstEscape and <= LastEscape)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The form a name takes outside the process: valid text as it is, each byte that is not UTF-8 as <c>\xHH</c>, and a
    /// backslash as <c>\\</c> — so the form is always valid UTF-8 and <see cref="FromDisplay"/> restores the exact name.
    /// </summary>
    public static string Display(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.AsSpan().IndexOf('\\') < 0 && !HasRawBytes(name))
        {
            return name;
        }

        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                builder.Append(c).Append(name[++i]);
            }
            else if (c is >= FirstEscape and <= LastEscape)
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\x{c - EscapeBase:x2}");
            }
            else if (c == '\\')
            {
                builder.Append(@"\\");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// The name a <see cref="Display"/> form stands for: <c>\\</c> is a backslash, <c>\xHH</c> (HH ≥ 80) the raw byte; any
    /// other backslash is kept as written, so a path typed by a user without escapes means what it says.
    /// </summary>
    public static string FromDisplay(string display)
    {
        ArgumentNullException.ThrowIfNull(display);
        if (display.AsSpan().IndexOf('\\') < 0)
        {
            return display;
        }

        var builder = new StringBuilder(display.Length);
        for (var i = 0; i < display.Length; i++)
        {
            var c = display[i];
            if (c == '\\' && i + 1 < display.Length && display[i + 1] == '\\')
            {
                builder.Append('\\');
                i++;
            }
            else if (c == '\\' && i + 3 < display.Length && display[i + 1] == 'x'
                && byte.TryParse(display.AsSpan(i + 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b) && b >= 0x80)
            {
                builder.Append((char)(EscapeBase + b));
                i += 3;
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// Every character outside printable ASCII as <c>U+XXXX</c> (each escape byte as <c>\xHH</c>), so that names that look
    /// alike — NFC and NFD spellings, lookalike letters — can be told apart in any terminal: <c>cafe U+0301.txt</c>.
    /// </summary>
    public static string CodePoints(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var builder = new StringBuilder(name.Length + 16);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c is >= ' ' and <= '~')
            {
                builder.Append(c);
            }
            else if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                builder.Append(CultureInfo.InvariantCulture, $"<U+{char.ConvertToUtf32(c, name[++i]):X4}>");
            }
            else if (c is >= FirstEscape and <= LastEscape)
            {
                builder.Append(CultureInfo.InvariantCulture, $"<\\x{c - EscapeBase:x2}>");
            }
            else
            {
                builder.Append(CultureInfo.InvariantCulture, $"<U+{(int)c:X4}>");
            }
        }

        return builder.ToString();
    }
}
