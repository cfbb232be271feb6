using System.Diagnostics.CodeAnalysis;

namespace SigWatch.Core.Plist;

/// <summary>The encodings <see cref="PropertyList"/> recognises.</summary>
public enum PropertyListFormat
{
    /// <summary>Not a recognised property list.</summary>
    Unknown,
    /// <summary>XML (Apple's PropertyList-1.0 DTD), with or without a UTF-8 byte-order mark.</summary>
    Xml,
    /// <summary>Binary bplist00.</summary>
    Binary,
}

/// <summary>Entry points that detect the format from the first bytes and dispatch to the XML or binary reader.</summary>
public static class PropertyList
{
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>
    /// Reads a property list, XML or binary. Other encodings (OpenStep text, bplist15/16/17) are rejected with
    /// <see cref="PlistErrorReason.UnsupportedFormat"/>; anything else with <see cref="PlistErrorReason.UnknownFormat"/>.
    /// </summary>
    /// <exception cref="PlistFormatException">The input is not a supported property list, is malformed, or is over a limit.</exception>
    public static PlistValue Read(ReadOnlySpan<byte> bytes, PlistReaderOptions? options = null)
    {
        var status = Detect(bytes, out var format, out var detail);
        if (status is { } reason)
        {
            PlistThrow.General(reason, detail);
        }

        return format == PropertyListFormat.Binary
            ? BinaryPropertyListReader.Read(bytes, options)
            : XmlPropertyListReader.Read(bytes, options);
    }

    /// <summary>
    /// Reads a property list without throwing for bad input. Input that is plainly not a property list is
    /// turned away by the format check without an exception being thrown internally.
    /// </summary>
    /// <param name="bytes">The input.</param>
    /// <param name="value">The value on success; treat as uninitialised on failure.</param>
    /// <param name="error">Why it failed; treat as uninitialised on success.</param>
    /// <param name="options">Limits; <see cref="PlistReaderOptions.Default"/> when null.</param>
    public static bool TryRead(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out PlistValue? value, [NotNullWhen(false)] out PlistFormatException? error, PlistReaderOptions? options = null)
    {
        if (Detect(bytes, out var format, out var detail) is { } reason)
        {
            value = null;
            error = new PlistFormatException(reason, detail);
            return false;
        }

        return format == PropertyListFormat.Binary
            ? BinaryPropertyListReader.TryRead(bytes, out value, out error, options)
            : XmlPropertyListReader.TryRead(bytes, out value, out error, options);
    }

    /// <summary>
    /// <see cref="TryRead(ReadOnlySpan{byte}, out PlistValue?, out PlistFormatException?, PlistReaderOptions?)"/> with
    /// the value of the root dictionary's key <paramref name="leaveOut"/> checked but not built where the XML fast path
    /// reads the document: <paramref name="leftOut"/> then says so, and
    /// <see cref="XmlPropertyListFastReader.LeftOut"/> stands in for it. Success and failure are exactly those of a
    /// whole read.
    /// </summary>
    internal static bool TryRead(ReadOnlySpan<byte> bytes, string leaveOut, [NotNullWhen(true)] out PlistValue? value,
        [NotNullWhen(false)] out PlistFormatException? error, out bool leftOut)
    {
        leftOut = false;
        if (Detect(bytes, out var format, out _) is not null || format == PropertyListFormat.Binary)
        {
            return TryRead(bytes, out value, out error);
        }

        try
        {
            value = XmlPropertyListReader.Read(bytes, null, leaveOut, out leftOut);
            error = null;
            return true;
        }
        catch (PlistFormatException e)
        {
            value = null;
            error = e;
            return false;
        }
    }

    /// <summary>Which format the bytes claim to be, from their first bytes only (no parsing).</summary>
    public static PropertyListFormat DetectFormat(ReadOnlySpan<byte> bytes) =>
        Detect(bytes, out var format, out _) is null ? format : PropertyListFormat.Unknown;

    /// <summary>The one status-returning core: null when the format is supported, else the reason.</summary>
    private static PlistErrorReason? Detect(ReadOnlySpan<byte> bytes, out PropertyListFormat format, out string detail)
    {
        format = PropertyListFormat.Unknown;
        detail = string.Empty;
        if (bytes.StartsWith(BinaryPlistLayout.Magic))
        {
            format = PropertyListFormat.Binary;
            return null;
        }

        if (bytes.StartsWith(BinaryPlistLayout.MagicPrefix))
        {
            detail = "binary property list version other than bplist00";
            return PlistErrorReason.UnsupportedFormat;
        }

        var text = bytes.StartsWith(Utf8Bom) ? bytes[Utf8Bom.Length..] : bytes;
        // UTF-16 XML (with a BOM) is left to XmlReader, which detects it.
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) || bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            format = PropertyListFormat.Xml;
            return null;
        }

        var trimmed = text.TrimStart(" \t\r\n"u8);
        if (trimmed.Length > 0 && trimmed[0] == (byte)'<')
        {
            format = PropertyListFormat.Xml;
            return null;
        }

        if (trimmed.Length > 0 && trimmed[0] is (byte)'{' or (byte)'(' or (byte)'"' or (byte)'/')
        {
            detail = "OpenStep/NeXT text property lists are not supported";
            return PlistErrorReason.UnsupportedFormat;
        }

        detail = "neither bplist00 nor XML";
        return PlistErrorReason.UnknownFormat;
    }
}
