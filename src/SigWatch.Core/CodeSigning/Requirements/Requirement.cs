using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace SigWatch.Core.CodeSigning.Requirements;

/// <summary>
/// One code requirement (blob magic 0xFADE0C00, Security requirement.h). An expression-form requirement has an
/// <see cref="Expression"/>; any other form (kind 2 = lightweight code requirement, or newer) is kept as raw
/// <see cref="Payload"/> bytes and reported as unsupported, never guessed at.
/// </summary>
public sealed class Requirement
{
    private readonly byte[] _payload;

    internal Requirement(uint kind, RequirementExpression? expression, byte[] payload, int trailing)
    {
        Kind = kind;
        Expression = expression;
        _payload = payload;
        TrailingByteCount = trailing;
    }

    /// <summary>An expression-form requirement for <paramref name="expression"/>.</summary>
    public Requirement(RequirementExpression expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        Kind = (uint)RequirementKind.Expression;
        Expression = expression;
        _payload = RequirementEncoder.EncodeProgram(expression);
    }

    /// <summary>The blob's <c>kind</c> word (see <see cref="RequirementKind"/>).</summary>
    public uint Kind { get; }

    /// <summary>True for the expression form, the only form SigWatch can print and evaluate.</summary>
    [MemberNotNullWhen(true, nameof(Expression))]
    public bool IsSupported => Kind == (uint)RequirementKind.Expression && Expression is not null;

    /// <summary>The decoded program; null for unsupported forms.</summary>
    public RequirementExpression? Expression { get; }

    /// <summary>The bytes after the 12-byte header, exactly as decoded (program, or the raw unsupported form).</summary>
    public ReadOnlySpan<byte> Payload => _payload;

    /// <summary>
    /// Bytes left inside the blob after the expression program ended. Apple's interpreter ignores them; they are kept
    /// in <see cref="Payload"/> and in <see cref="ToBlob"/> but not in <see cref="RequirementEncoder.Encode(RequirementExpression)"/>.
    /// </summary>
    public int TrailingByteCount { get; }

    /// <summary>Decodes one requirement blob; throws <see cref="MalformedRequirementException"/> on malformed bytes.</summary>
    public static Requirement Decode(ReadOnlySpan<byte> blob) => RequirementDecoder.DecodeRequirement(blob);

    /// <summary>Decodes one requirement blob without throwing for malformed input.</summary>
    public static bool TryDecode(
        ReadOnlySpan<byte> blob, [NotNullWhen(true)] out Requirement? requirement, [NotNullWhen(false)] out MalformedRequirementException? error)
    {
        try
        {
            requirement = RequirementDecoder.DecodeRequirement(blob);
            error = null;
            return true;
        }
        catch (MalformedRequirementException ex)
        {
            requirement = null;
            error = ex;
            return false;
        }
    }

    /// <summary>Parses the text of one requirement (see <see cref="RequirementParser"/>).</summary>
    public static Requirement Parse(string text) => new(RequirementParser.ParseExpression(text));

    /// <summary>The blob bytes (header + payload), byte-identical to the decoded input when this came from <see cref="Decode"/>.</summary>
    public byte[] ToBlob() => RequirementEncoder.EncodeBlob(Kind, _payload);

    /// <summary>The canonical text, as <c>codesign -d -r-</c> prints it.</summary>
    public override string ToString() => ToString(RequirementTextStyle.Canonical);

    public string ToString(RequirementTextStyle style) => IsSupported
        ? RequirementTextWriter.Write(Expression, style)
        : UnsupportedText();

    internal string ToRawString(RequirementTextStyle style) => IsSupported
        ? RequirementTextWriter.WriteRaw(Expression, style)
        : UnsupportedText();

    private string UnsupportedText() =>
        string.Create(CultureInfo.InvariantCulture, $"/* unsupported requirement form (kind {Kind}, {_payload.Length} bytes) */");
}

/// <summary>One member of a requirements set: its type (index type) and the requirement.</summary>
public sealed record RequirementSetEntry(uint Type, Requirement Requirement)
{
    /// <summary>The type as the enum when it is one of the five known types.</summary>
    public RequirementType? KnownType => Type is >= 1 and <= 5 ? (RequirementType)Type : null;
}

/// <summary>
/// A requirements set (blob magic 0xFADE0C01, the "internal requirements" in code-signing slot 2): a SuperBlob
/// whose index types are <see cref="RequirementType"/> values.
/// </summary>
public sealed class RequirementSet
{
    public RequirementSet(IReadOnlyList<RequirementSetEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        Entries = entries;
    }

    public IReadOnlyList<RequirementSetEntry> Entries { get; }

    /// <summary>The first requirement of the given type (superblob.h <c>find</c> takes the first match), or null.</summary>
    public Requirement? this[RequirementType type] => Find((uint)type);

    /// <summary>The designated requirement, when the set has one.</summary>
    public Requirement? Designated => Find((uint)RequirementType.Designated);

    public Requirement? Find(uint type) => Entries.FirstOrDefault(e => e.Type == type)?.Requirement;

    /// <summary>Decodes a requirements set blob; throws <see cref="MalformedRequirementException"/> on malformed bytes.</summary>
    public static RequirementSet Decode(ReadOnlySpan<byte> blob) => RequirementDecoder.DecodeSet(blob);

    public static bool TryDecode(
        ReadOnlySpan<byte> blob, [NotNullWhen(true)] out RequirementSet? set, [NotNullWhen(false)] out MalformedRequirementException? error)
    {
        try
        {
            set = RequirementDecoder.DecodeSet(blob);
            error = null;
            return true;
        }
        catch (MalformedRequirementException ex)
        {
            set = null;
            error = ex;
            return false;
        }
    }

    /// <summary>Parses <c>designated =&gt; … library =&gt; …</c> text (see <see cref="RequirementParser"/>).</summary>
    public static RequirementSet Parse(string text) => RequirementParser.ParseSet(text);

    /// <summary>The blob bytes, entries in the order held (Apple's encoder sorts by type; <see cref="RequirementParser"/> does too).</summary>
    public byte[] ToBlob() => RequirementEncoder.EncodeSet(this);

    /// <summary>
    /// What <c>codesign -d -r-</c> prints for the set (reqdumper.cpp <c>Dumper::dump(const Requirements*)</c>): one
    /// <c>type =&gt; text</c> line per entry, each ending in a newline.
    /// </summary>
    public override string ToString() => ToString(RequirementTextStyle.Canonical);

    public string ToString(RequirementTextStyle style) =>
        string.Concat(Entries.Select(e => RequirementTextWriter.TypePrefix(e.Type) + e.Requirement.ToRawString(style) + "\n"));
}
