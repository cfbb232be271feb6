using System.Globalization;
using System.Text;

namespace SigWatch.Core.Quarantine;

/// <summary>
/// A decoded <c>com.apple.quarantine</c> value: <c>FFFF;TTTTTTTT;Agent;UUID</c> — hex flags, hex
/// seconds since the Unix epoch, the quarantining agent's name, and the QuarantineEventsV2 row id
/// (macos-integration.md §2.1). Fields may be missing at the end; a value that does not parse is
/// kept raw with <see cref="ParseError"/>, never dropped.
/// </summary>
public sealed record QuarantineInfo
{
    /// <summary>Values longer than this are kept (truncated) but not parsed: real ones are under 100 bytes.</summary>
    public const int MaxValueBytes = 4096;

    /// <summary>The value as stored (UTF-8 decoded, invalid bytes replaced, trailing NULs removed).</summary>
    public required string Raw { get; init; }

    /// <summary>The flags field, when it parsed as up to four hex digits.</summary>
    public ushort? Flags { get; init; }

    /// <summary>When the item was quarantined, when the time field parsed.</summary>
    public DateTimeOffset? Time { get; init; }

    /// <summary>The quarantining agent (e.g. "Safari"); null when the field is missing or empty.</summary>
    public string? Agent { get; init; }

    /// <summary>The event id linking to QuarantineEventsV2 (upper-case UUID text); null when absent.</summary>
    public string? EventId { get; init; }

    /// <summary>Why (part of) the value did not parse; null when it parsed completely.</summary>
    public string? ParseError { get; init; }

    public IReadOnlyList<QuarantineFlag> NamedFlags => Flags is { } f ? QuarantineFlags.Describe(f) : [];

    /// <summary>
    /// Whether the user approved the app at first launch, inferred from the 0x0040 bit
    /// (<see cref="FlagConfidence.Observed"/>); null when the flags did not parse.
    /// </summary>
    public bool? UserApproved => Flags is { } f ? (f & QuarantineFlags.UserApproved) != 0 : null;

    public static QuarantineInfo Parse(ReadOnlySpan<byte> value)
    {
        var truncated = value.Length > MaxValueBytes;
        var text = Encoding.UTF8.GetString(truncated ? value[..MaxValueBytes] : value).TrimEnd('\0');
        if (truncated)
        {
            return new QuarantineInfo { Raw = text, ParseError = $"value is {value.Length} bytes, longer than the {MaxValueBytes}-byte limit; not parsed" };
        }

        return Parse(text);
    }

    public static QuarantineInfo Parse(string text)
    {
        var fields = text.Split(';');
        var errors = new List<string>();
        ushort? flags = null;
        DateTimeOffset? time = null;
        string? agent = null;
        string? eventId = null;

        // The kernel reads the flags with "%04x;" (Quarantine.kext, per the community disassembly).
        if (fields[0].Length is >= 1 and <= 4 && ushort.TryParse(fields[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var f))
        {
            flags = f;
        }
        else
        {
            errors.Add($"flags field '{Clip(fields[0])}' is not 1-4 hex digits");
        }

        if (fields.Length > 1 && fields[1].Length > 0)
        {
            if (fields[1].Length <= 16 && long.TryParse(fields[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var seconds)
                && seconds >= 0 && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            {
                time = DateTimeOffset.FromUnixTimeSeconds(seconds);
            }
            else
            {
                errors.Add($"time field '{Clip(fields[1])}' is not hex seconds since 1970");
            }
        }

        if (fields.Length > 2 && fields[2].Length > 0)
        {
            agent = fields[2];
        }

        if (fields.Length > 3 && fields[3].Length > 0)
        {
            var id = string.Join(';', fields[3..]);
            if (Guid.TryParse(id, out var guid))
            {
                eventId = guid.ToString("D").ToUpperInvariant();
            }
            else
            {
                eventId = id;
                errors.Add($"event id '{Clip(id)}' is not a UUID");
            }
        }

        return new QuarantineInfo
        {
            Raw = text,
            Flags = flags,
            Time = time,
            Agent = agent,
            EventId = eventId,
            ParseError = errors.Count == 0 ? null : string.Join("; ", errors),
        };
    }

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
