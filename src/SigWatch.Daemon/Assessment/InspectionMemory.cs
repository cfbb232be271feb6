using SigWatch.Core.Bundles;

namespace SigWatch.Daemon.Assessment;

/// <summary>
/// The last inspection of each bundle, kept so that a change the watcher reported is assessed by looking at the changed
/// paths alone. Bounded by bundles and by files: what is kept costs about 390 bytes per file (the parsed seal, the rule
/// memo, per-directory records; 7.7 MB for a 20,000-file app, scripts/bench-seal.sh), so the least recently assessed
/// bundles are forgotten first, and a bundle larger than the whole budget is never kept. A forgotten bundle is walked
/// whole at its next assessment (with the digest cache): slower, never wrong. Used by the assessment worker only.
/// </summary>
internal sealed class InspectionMemory(int maxBundles = InspectionMemory.DefaultMaxBundles, long maxFiles = InspectionMemory.DefaultMaxFiles)
{
    public const int DefaultMaxBundles = 1024;

    /// <summary>About 200 MB of kept state.</summary>
    public const long DefaultMaxFiles = 500_000;

    // Least recently assessed first.
    private readonly Dictionary<string, (BundleInspection Inspection, LinkedListNode<string> Node)> _kept = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _order = new();

    public int Count => _kept.Count;

    /// <summary>Files (regular files in the bundles' trees) of everything kept.</summary>
    public long Files { get; private set; }

    /// <summary>Removes and returns the bundle's last inspection: an inspection that then fails leaves nothing stale behind.</summary>
    public BundleInspection? Take(string path)
    {
        if (!_kept.Remove(path, out var kept))
        {
            return null;
        }

        _order.Remove(kept.Node);
        Files -= Weight(kept.Inspection);
        return kept.Inspection;
    }

    public void Remember(string path, BundleInspection inspection)
    {
        Take(path);
        var weight = Weight(inspection);
        if (weight > maxFiles)
        {
            return;
        }

        while ((_kept.Count >= maxBundles || Files + weight > maxFiles) && _order.First is { } oldest)
        {
            Take(oldest.Value);
        }

        _kept[path] = (inspection, _order.AddLast(path));
        Files += weight;
    }

    private static long Weight(BundleInspection inspection) => Math.Max(1, inspection.Facts.FileCount);
}
