using System.Globalization;
using SigWatch.Core.FileSystem;
using SigWatch.Core.Plist;

namespace SigWatch.Core.Quarantine;

/// <summary>
/// Everything SigWatch knows about where an item came from: its quarantine value, the matching
/// QuarantineEventsV2 row, the kMDItemWhereFroms URLs, and — for a bundle — which files inside it
/// carry quarantine themselves (App Store rejection ITMS-91109; USER-PROBLEMS.md row 6).
/// </summary>
public sealed record QuarantineStory
{
    /// <summary>Files inside a bundle listed by path at most; the count is always exact.</summary>
    public const int MaxListedFiles = 100;

    /// <summary>The item's own quarantine; null when it has none.</summary>
    public QuarantineInfo? Quarantine { get; init; }

    public ProvenanceLookup Provenance { get; init; } = ProvenanceLookup.NoEventId;

    /// <summary>kMDItemWhereFroms strings (download URL, then referrer); empty when absent.</summary>
    public IReadOnlyList<string> WhereFroms { get; init; } = [];

    /// <summary>Why kMDItemWhereFroms could not be decoded; null when absent or decoded.</summary>
    public string? WhereFromsError { get; init; }

    /// <summary>How many entries inside the bundle carry com.apple.quarantine.</summary>
    public int QuarantinedFileCount { get; init; }

    /// <summary>Bundle-relative paths of the first <see cref="MaxListedFiles"/> of them.</summary>
    public IReadOnlyList<string> QuarantinedFiles { get; init; } = [];

    /// <summary>Attributes that could not be read (what, where, why).</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>The download URL: the database's, else the first kMDItemWhereFroms entry.</summary>
    public string? OriginUrl => Provenance.Event?.DataUrl ?? WhereFroms.FirstOrDefault();

    /// <summary>
    /// One readable sentence, e.g. "Downloaded by Safari from https://… on 2026-01-02 10:00 UTC;
    /// approved by the user: no".
    /// </summary>
    public string Describe()
    {
        if (Quarantine is null)
        {
            var inside = QuarantinedFileCount > 0 ? $"; {QuarantinedFileCount} file(s) inside carry quarantine" : string.Empty;
            return "Not quarantined" + inside;
        }

        var q = Quarantine;
        var agent = Provenance.Event?.AgentName ?? q.Agent ?? "an unknown agent";
        var parts = new List<string> { $"Quarantined by {agent}" };
        if (Provenance.Event?.AgentBundleIdentifier is { } bundleId)
        {
            parts[0] += $" ({bundleId})";
        }

        if (OriginUrl is { } url)
        {
            parts[0] = $"Downloaded by {agent}{(Provenance.Event?.AgentBundleIdentifier is { } b ? $" ({b})" : string.Empty)} from {url}";
        }

        if ((Provenance.Event?.Time ?? q.Time) is { } when)
        {
            parts[0] += " on " + when.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
        }

        if (Provenance.Event?.OriginUrl is { } page && page != OriginUrl)
        {
            parts.Add($"linked from {page}");
        }

        if (Provenance.Event?.SenderName is { } sender)
        {
            parts.Add($"sent by {sender}{(Provenance.Event.SenderAddress is { } a ? $" <{a}>" : string.Empty)}");
        }

        parts.Add("approved by the user: " + q.UserApproved switch { true => "yes", false => "no", null => "unknown" });
        if (q.Flags is { } flags && (flags & QuarantineFlags.Hard) != 0)
        {
            parts.Add("hard quarantine (Gatekeeper refuses to run it)");
        }

        if (QuarantinedFileCount > 0)
        {
            parts.Add($"{QuarantinedFileCount} file(s) inside also carry quarantine");
        }

        if (q.ParseError is not null)
        {
            parts.Add($"value '{q.Raw}' only partly understood: {q.ParseError}");
        }

        return string.Join("; ", parts);
    }

    /// <summary>
    /// Reads the story of one file or bundle. Attribute failures become <see cref="Problems"/>;
    /// nothing here throws for a hostile or vanished item.
    /// </summary>
    public static QuarantineStory Read(string path, IExtendedAttributeReader xattrs, IQuarantineEventLookup? events)
    {
        var problems = new List<string>();
        QuarantineInfo? quarantine = null;
        try
        {
            if (xattrs.Get(path, ExtendedAttributeNames.Quarantine) is { } value)
            {
                quarantine = QuarantineInfo.Parse(value);
            }
        }
        catch (ExtendedAttributeException e)
        {
            problems.Add(e.Message);
        }

        var provenance = ProvenanceLookup.NoEventId;
        if (quarantine?.EventId is { } id && events is not null)
        {
            provenance = events.Lookup(path, id);
        }

        IReadOnlyList<string> whereFroms = [];
        string? whereFromsError = null;
        try
        {
            if (xattrs.Get(path, ExtendedAttributeNames.WhereFroms) is { } bytes)
            {
                (whereFroms, whereFromsError) = DecodeWhereFroms(bytes);
            }
        }
        catch (ExtendedAttributeException e)
        {
            problems.Add(e.Message);
        }

        return new QuarantineStory
        {
            Quarantine = quarantine,
            Provenance = provenance,
            WhereFroms = whereFroms,
            WhereFromsError = whereFromsError,
            Problems = problems,
        };
    }

    /// <summary>kMDItemWhereFroms is a binary plist array of strings (reference §2.3); anything else is reported, not guessed at.</summary>
    public static (IReadOnlyList<string> Urls, string? Error) DecodeWhereFroms(ReadOnlySpan<byte> bytes)
    {
        if (!PropertyList.TryRead(bytes, out var value, out var error))
        {
            return ([], $"kMDItemWhereFroms is not a property list: {error.Message}");
        }

        if (value is PlistString single)
        {
            return ([single.Value], null);
        }

        if (value is not PlistArray array)
        {
            return ([], $"kMDItemWhereFroms is a {value.Kind}, not an array of strings");
        }

        var urls = array.OfType<PlistString>().Select(s => s.Value).Where(s => s.Length > 0).ToArray();
        return (urls, urls.Length == array.Count ? null : "kMDItemWhereFroms has entries that are not strings; they were skipped");
    }
}
