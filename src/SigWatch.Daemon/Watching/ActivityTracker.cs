using System.Collections.Concurrent;

namespace SigWatch.Daemon.Watching;

/// <summary>
/// Quiescence: collects file-system activity per bundle (or folder, or root) and releases an item
/// only after it has been quiet for the quiet window. A bundle being copied keeps being touched,
/// so it is assessed once, after the copy settles (USER-PROBLEMS.md row 4), not once per file.
/// </summary>
internal sealed class ActivityTracker(TimeProvider time)
{
    private readonly ConcurrentDictionary<WorkItem, (long First, long Last)> _activity = new();

    public int PendingCount => _activity.Count;

    public void Touch(WorkItem item)
    {
        var now = time.GetTimestamp();
        _activity.AddOrUpdate(item, (now, now), (_, seen) => (seen.First, now));
    }

    /// <summary>
    /// Removes and returns the items that have been quiet for at least <paramref name="quietWindow"/>,
    /// and those still busy after <paramref name="maxWait"/>, flagged <see cref="WorkItem.Unstable"/>:
    /// a bundle that never settles is assessed anyway and reported as unstable, never silently skipped.
    /// </summary>
    public IReadOnlyList<WorkItem> TakeSettled(TimeSpan quietWindow, TimeSpan? maxWait = null)
    {
        var settled = new List<WorkItem>();
        foreach (var (item, seen) in _activity)
        {
            var quiet = time.GetElapsedTime(seen.Last) >= quietWindow;
            var overdue = maxWait is { } limit && time.GetElapsedTime(seen.First) >= limit;
            if ((quiet || overdue) && _activity.TryRemove(new KeyValuePair<WorkItem, (long, long)>(item, seen)))
            {
                // Removed only if untouched since we read it: a concurrent Touch keeps the item waiting.
                settled.Add(quiet ? item : item with { Unstable = true });
            }
        }

        return settled;
    }
}
