using System.Globalization;
using SigWatch.Core.Bundles;

namespace SigWatch.Core.Assessment;

/// <summary>
/// Who a signed bundle is, for copy lineage: the signing identifier and team, with the signed main code (cdhash) and the
/// sealed resources (CodeResources as signed). A copy that broke its seal keeps all of these — the CodeDirectory is
/// intact; what differs is the files it seals — so it can be matched with the original it was copied from.
/// </summary>
public sealed record BundleIdentity(string Identifier, string? TeamId, string? CdHash, string? ResourcesDigest)
{
    /// <summary>The identity of the signed code <paramref name="facts"/> describe; null when there is no signature to name it.</summary>
    public static BundleIdentity? Of(BundleFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return facts.Signature is { Identifier: { Length: > 0 } identifier } signature && (signature.CdHash ?? signature.ResourcesDigest) is not null
            ? new BundleIdentity(identifier, signature.TeamId, signature.CdHash, signature.ResourcesDigest)
            : null;
    }

    /// <summary>Same identifier and team, and the same signed main code or the same sealed resources.</summary>
    public bool IsSameCodeAs(BundleIdentity other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return string.Equals(Identifier, other.Identifier, StringComparison.Ordinal)
            && string.Equals(TeamId, other.TeamId, StringComparison.Ordinal)
            && ((CdHash is not null && string.Equals(CdHash, other.CdHash, StringComparison.Ordinal))
                || (ResourcesDigest is not null && string.Equals(ResourcesDigest, other.ResourcesDigest, StringComparison.Ordinal)));
    }
}

/// <summary>A directory's identity on disk: a move within a file system keeps it, a copy does not.</summary>
public readonly record struct FileIdentity(ulong Device, ulong Inode);

/// <summary>A bundle last seen valid: where, when, by which assessment, and the identity of its directory then.</summary>
/// <param name="FromSourceRoot">It is under a source root (a mounted volume): where copies are made from.</param>
public sealed record ValidSighting(
    long BundleId, string Path, string Root, long AssessmentId, DateTimeOffset ValidAt, BundleIdentity Identity, FileIdentity? Directory,
    DateTimeOffset? RemovedAt, bool FromSourceRoot = false);

/// <summary>How a bundle came to be where it is.</summary>
public enum ArrivalKind
{
    /// <summary>Copied: the original still exists elsewhere (or is another directory on disk).</summary>
    Copy,

    /// <summary>Moved: the same directory (device and inode), or the original vanished as this one appeared.</summary>
    Move,
}

/// <summary>Where a bundle came from: a copy or a move of <see cref="Source"/>.</summary>
public sealed record Arrival(ArrivalKind Kind, ValidSighting Source);

/// <summary>
/// Copy lineage (USER-PROBLEMS.md rows 1–4, 11): when a bundle arrives (first sight, reappearance, or replaced by other
/// code) and the same signed code was seen valid elsewhere, it was copied or moved from there. A copy that does not
/// verify is the headline event, <c>copy-broke-seal</c>: the copy broke what the original kept. A move breaks nothing
/// and is only noted. Pure: the daemon supplies the sightings and asks the disk whether each source is still there.
/// </summary>
public static class CopyLineage
{
    /// <summary>Flag on copy-broke-seal events.</summary>
    public const string CopyFlag = "copy";

    /// <summary>A source that vanished at most this long before the bundle appeared was moved, not copied.</summary>
    public static readonly TimeSpan MoveWindow = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Whether the bundle just arrived and its origin is worth tracing: it is new (or back), or its code is not the code
    /// it had before (replaced). A bundle whose own code stops verifying was not copied: that is a seal-broken.
    /// </summary>
    public static bool IsArrival(BundleFacts? previous, BundleFacts current)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (BundleIdentity.Of(current) is not { } now)
        {
            return false;
        }

        return previous is null || BundleIdentity.Of(previous) is not { } before || !before.IsSameCodeAs(now);
    }

    /// <summary>
    /// Which sighting <paramref name="current"/> (at <paramref name="path"/>, in directory <paramref name="directory"/>)
    /// came from, and how; null when no other bundle with the same code was seen valid before <paramref name="now"/>.
    /// </summary>
    /// <param name="exists">Whether a path is on disk now (the daemon's lstat).</param>
    public static Arrival? Trace(string path, BundleFacts current, FileIdentity? directory, IReadOnlyList<ValidSighting> sightings, Func<string, bool> exists,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(sightings);
        ArgumentNullException.ThrowIfNull(exists);
        if (BundleIdentity.Of(current) is not { } identity)
        {
            return null;
        }

        // Where copies come from first: a mounted volume, then a Downloads folder, then anywhere else (another copy of the
        // same code in Applications is the least likely original); the most recently valid within each.
        var candidates = sightings
            .Where(s => !string.Equals(s.Path, path, StringComparison.Ordinal) && s.ValidAt <= now && s.Identity.IsSameCodeAs(identity))
            .OrderBy(s => s.FromSourceRoot ? 0 : AssessmentComparison.KindOfRoot(s.Root) == RootKind.Downloads ? 1 : 2)
            .ThenByDescending(s => s.ValidAt)
            .ToList();
        if (candidates.Count == 0)
        {
            return null;
        }

        if (directory is { } here && candidates.FirstOrDefault(s => s.Directory == here) is { } same)
        {
            return new Arrival(ArrivalKind.Move, same);
        }

        var present = candidates.Where(s => exists(s.Path)).ToList();
        if (present.Count > 0)
        {
            return new Arrival(ArrivalKind.Copy, present[0]);
        }

        // Every original is gone: moved across file systems (copy, then delete) if one vanished just now; otherwise a
        // copy of something since deleted (a disk image ejected long ago, a download cleaned up).
        var vanished = candidates.FirstOrDefault(s => s.RemovedAt is null || now - s.RemovedAt.Value <= MoveWindow);
        return vanished is not null ? new Arrival(ArrivalKind.Move, vanished) : new Arrival(ArrivalKind.Copy, candidates[0]);
    }

    /// <summary>
    /// The events of an arrival: a copy that does not verify becomes one critical <c>copy-broke-seal</c> whose summary is
    /// the notification text, and the bundle-appeared (or seal-broken of a replaced bundle) it would otherwise have raised
    /// steps back to info; a good copy or a move is noted in the summary of what was raised anyway.
    /// </summary>
    /// <param name="name">The bundle's directory name, e.g. <c>Slack.app</c>.</param>
    public static IReadOnlyList<AssessmentChange> Apply(IReadOnlyList<AssessmentChange> changes, BundleFacts current, Arrival? arrival, string name)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(current);
        if (arrival is null)
        {
            return changes;
        }

        var source = arrival.Source;
        if (arrival.Kind == ArrivalKind.Copy && current.Signature is { IsValid: false } signature)
        {
            var result = changes
                .Where(c => c.Kind != EventKind.SealBroken)
                .Select(c => c.Kind == EventKind.BundleAppeared ? c with { Severity = ChangeSeverity.Info } : c)
                .ToList();
            result.Add(new AssessmentChange(EventKind.CopyBrokeSeal, ChangeSeverity.Critical,
                $"{name}'s seal broke when it was copied from {source.Path}: {SealBreakSentences.Describe(signature)}", [CopyFlag]));
            return result;
        }

        var note = string.Create(CultureInfo.InvariantCulture,
            $"; {(arrival.Kind == ArrivalKind.Copy ? "copied" : "moved")} from {source.Path} (valid there at {source.ValidAt:u})");
        return [.. changes.Select(c => c.Kind is EventKind.BundleAppeared or EventKind.BundleChanged ? c with { Summary = c.Summary + note } : c)];
    }
}
