namespace SigWatch.Daemon.Watching;

/// <summary>
/// The paths file-system events named for one work item since it was queued, so the assessment can look at those
/// alone (BundleInspector, BundleVerifier.Reverify). Anything that is not a path event (a reconcile, a watcher overflow,
/// a manual rescan) makes the set unknown, and so does growing past <see cref="MaxPaths"/>: an unknown set means "look
/// at everything", which is always correct. Not thread-safe: the tracker and the queue guard it with their locks.
/// </summary>
internal sealed class PathChanges
{
    /// <summary>A bundle being copied in names every file; past this many, walking it whole is cheaper to keep track of.</summary>
    public const int MaxPaths = 10_000;

    private HashSet<string>? _paths;

    private PathChanges(HashSet<string>? paths) => _paths = paths;

    public static PathChanges Unknown() => new(null);

    /// <summary>No paths yet; <see cref="Add"/> collects them.</summary>
    public static PathChanges Empty() => new(new HashSet<string>(StringComparer.Ordinal));

    /// <summary>The changed paths; null when unknown.</summary>
    public IReadOnlyCollection<string>? Paths => _paths;

    /// <summary>Adds one path; null (a cause that is not one path) makes the set unknown.</summary>
    public void Add(string? path)
    {
        if (_paths is null)
        {
            return;
        }

        if (path is null || (_paths.Count >= MaxPaths && !_paths.Contains(path)))
        {
            _paths = null;
            return;
        }

        _paths.Add(path);
    }

    public void Merge(PathChanges other)
    {
        if (other._paths is null)
        {
            _paths = null;
            return;
        }

        foreach (var path in other._paths)
        {
            Add(path);
        }
    }
}
