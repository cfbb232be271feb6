using SigWatch.Core.Bundles;
using SigWatch.Daemon.Store;
using SigWatch.Platform;

namespace SigWatch.Daemon.Fleet;

/// <summary>
/// One thing the fleet outputs report: an event (with the facts of the assessment that caused it) or, when the event log
/// includes them, an assessment on its own. Built from the store, so what is reported is exactly what was committed.
/// </summary>
/// <param name="Event">The event; null for an assessment line.</param>
/// <param name="Bundle">The bundle as stored now (path, root, lineage); null when it is gone from the store.</param>
/// <param name="Facts">The facts of the event's assessment (for a removal: the last facts known); null when none were recorded.</param>
/// <param name="Owner">The owner of the bundle's root (uid and login name).</param>
internal sealed record FleetRecord(
    EventRecord? Event,
    AssessmentRecord? Assessment,
    BundleRecord? Bundle,
    BundleFacts? Facts,
    RootOwner? Owner)
{
    public string Path => Event?.BundlePath ?? Bundle?.Path ?? string.Empty;

    public string Root => Event?.Root is { Length: > 0 } root ? root : Bundle?.Root ?? string.Empty;

    public DateTimeOffset Time => Event?.Time ?? Assessment?.AssessedAt ?? default;
}

internal sealed record RootOwner(uint Uid, string? Name);

/// <summary>What describes this daemon and this machine in every line and in the OTLP resource.</summary>
internal sealed record FleetIdentity(HostFacts Host, string AgentVersion)
{
    public static FleetIdentity Read() => new(HostIdentity.Read(), DaemonClock.Version);
}

/// <summary>Reads <see cref="FleetRecord"/>s from the store by cursor.</summary>
internal sealed class FleetRecords(SigWatchStore store, RootOwners owners)
{
    public IReadOnlyList<FleetRecord> EventsAfter(long afterId, int limit) =>
        [.. store.ListEvents(afterId, limit).Select(ForEvent)];

    public IReadOnlyList<FleetRecord> AssessmentsAfter(long afterId, int limit) =>
        [.. store.ListAssessments(afterId, limit).Select(a =>
        {
            var bundle = store.GetBundle(a.BundleId);
            return new FleetRecord(null, a, bundle, a.Facts, bundle is null ? null : owners.OwnerOf(bundle.Root));
        })];

    public FleetRecord ForEvent(EventRecord ev)
    {
        var bundle = store.GetBundle(ev.BundleId);
        var assessment = ev.AssessmentId is { } id ? store.GetAssessment(id) : null;
        // A removal or an incomplete assessment has no assessment of its own: the last facts known describe what it was.
        var facts = assessment?.Facts ?? bundle?.Latest?.Facts;
        return new FleetRecord(ev, assessment, bundle, facts, owners.OwnerOf(ev.Root));
    }
}

/// <summary>The owner of each root directory (lstat), with the login name, re-read at most every minute.</summary>
internal sealed class RootOwners(TimeProvider time)
{
    private static readonly TimeSpan s_refresh = TimeSpan.FromMinutes(1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (RootOwner? Owner, DateTimeOffset Read)> _owners = new(StringComparer.Ordinal);

    public RootOwner? OwnerOf(string root)
    {
        if (root.Length == 0)
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (_owners.TryGetValue(root, out var known) && now - known.Read < s_refresh)
        {
            return known.Owner;
        }

        RootOwner? owner;
        try
        {
            var status = FileKinds.Stat(root);
            owner = status.Kind == Core.FileSystem.FileTreeKind.Missing ? known.Owner : new RootOwner(status.OwnerUid, HostIdentity.UserName(status.OwnerUid));
        }
        catch (IOException)
        {
            owner = known.Owner;
        }

        _owners[root] = (owner, now);
        return owner;
    }
}
