using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace SigWatch.Core.Plist;

/// <summary>
/// Malformed or over-limit property-list input. The only exception the readers raise for bad input:
/// every <see cref="System.Xml.XmlException"/> and every internal failure is mapped to it.
/// </summary>
public sealed class PlistFormatException : FormatException
{
    /// <summary>Creates the exception; <paramref name="detail"/> says what was wrong.</summary>
    public PlistFormatException(PlistErrorReason reason, string detail, long? offset = null, int? line = null, int? column = null, Exception? inner = null)
        : base(BuildMessage(reason, detail, offset, line, column), inner)
    {
        Reason = reason;
        Detail = detail;
        Offset = offset;
        Line = line;
        Column = column;
    }

    /// <summary>The named reason.</summary>
    public PlistErrorReason Reason { get; }

    /// <summary>What was wrong, without the location.</summary>
    public string Detail { get; }

    /// <summary>Byte offset into a binary plist (null for XML).</summary>
    public long? Offset { get; }

    /// <summary>1-based line in an XML plist (null for binary, or when unknown).</summary>
    public int? Line { get; }

    /// <summary>1-based column in an XML plist (null for binary, or when unknown).</summary>
    public int? Column { get; }

    private static string BuildMessage(PlistErrorReason reason, string detail, long? offset, int? line, int? column)
    {
        var where = offset is { } o ? string.Create(CultureInfo.InvariantCulture, $" at byte offset {o}")
            : line is { } l ? string.Create(CultureInfo.InvariantCulture, $" at line {l}, column {column ?? 0}")
            : string.Empty;
        return $"Malformed property list ({reason}){where}: {detail}";
    }
}

/// <summary>The single place that builds and throws <see cref="PlistFormatException"/>s.</summary>
internal static class PlistThrow
{
    [DoesNotReturn]
    public static void Binary(PlistErrorReason reason, long offset, string detail) =>
        throw new PlistFormatException(reason, detail, offset: offset);

    [DoesNotReturn]
    public static T Binary<T>(PlistErrorReason reason, long offset, string detail) =>
        throw new PlistFormatException(reason, detail, offset: offset);

    [DoesNotReturn]
    public static void Xml(PlistErrorReason reason, int line, int column, string detail) =>
        throw new PlistFormatException(reason, detail, line: line, column: column);

    [DoesNotReturn]
    public static void General(PlistErrorReason reason, string detail) =>
        throw new PlistFormatException(reason, detail);
}
