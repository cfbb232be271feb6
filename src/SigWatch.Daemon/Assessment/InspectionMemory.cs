using SigWatch.Core.Assessment;

namespace SigWatch.Daemon.Assessment;

/// <summary>
/// The last inspection of each bundle, kept so that a change the watcher reported is assessed by looking at the changed
/// paths alone. Bounded by bundles and by files: what is kept costs about 390 bytes per file (the parsed seal, the rule
/// memo, per-directory records; 7.7 MB for a 20,000-file app, scripts/bench-seal.sh), so the least recently assessed
/// bundles are forgotten first, and a bundle larger than the whole budget is never kept. A forgotten bundle is walked
/// whole at its next assessment (with the digest cache): slower, never wrong. Shared by the assessment workers (locked;
/// a bundle is assessed by one worker at a time).
/// </summary>
internal sealed class InspectionMemory(int maxBundles = InspectionMemory.DefaultMaxBundles, long maxFiles = InspectionMemory.DefaultMaxFiles)
{
    public const int DefaultMaxBundles = 1024;

    /// <summary>About 200 MB of kept state.</summary>
    public const long DefaultMaxFiles = 500_000;

    // Least recently assessed first.
    private readonly Dictionary<string, (BundleAssessment Inspection, LinkedListNode<string> Node)> _kept = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _order = new();
    private readonly Lock _gate = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _kept.Count;
            }
        }
    }

    /// <summary>Files (regular files in the bundles' trees) of everything kept.</summary>
    public long Files { get; private set; }

    /// <summary>Removes and returns the bundle's last inspection: an inspection that then fails leaves nothing stale behind.</summary>
    public BundleAssessment? Take(string path)
    {
        lock (_gate)
        {
            return TakeLocked(path);
        }
    }

    public void Remember(string path, BundleAssessment assessment)
    {
        lock (_gate)
        {
            RememberLocked(path, assessment);
        }
    }

    private BundleAssessment? TakeLocked(string path)
    {
        if (!_kept.Remove(path, out var kept))
        {
            return null;
        }

        _order.Remove(kept.Node);
        Files -= Weight(kept.Inspection);
        return kept.Inspection;
    }

    private void RememberLocked(string path, BundleAssessment inspection)
    {
        TakeLocked(path);
        var weight = Weight(inspection);
        if (weight > maxFiles)
        {
            return;
        }

        while ((_kept.Count >= maxBundles || Files + weight > maxFiles) && _order.First is { } oldest)
        {
            TakeLocked(oldest.Value);
        }

        _kept[path] = (inspection, _order.AddLast(path));
        Files += weight;
    }

    private static long Weight(BundleAssessment inspection) => Math.Max(1, inspection.Facts.FileCount);
}
