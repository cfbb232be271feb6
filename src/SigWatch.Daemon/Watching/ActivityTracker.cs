using System.Collections.Concurrent;

namespace SigWatch.Daemon.Watching;

/// <summary>
/// Quiescence: collects file-system activity per bundle (or folder, or root) and releases an item
/// only after it has been quiet for the quiet window. A bundle being copied keeps being touched,
/// so it is assessed once, after the copy settles (USER-PROBLEMS.md row 4), not once per file.
/// </summary>
internal sealed class ActivityTracker(TimeProvider time)
{
    private readonly ConcurrentDictionary<WorkItem, long> _lastActivity = new();

    public int PendingCount => _lastActivity.Count;

    public void Touch(WorkItem item) => _lastActivity[item] = time.GetTimestamp();

    /// <summary>Removes and returns the items that have been quiet for at least <paramref name="quietWindow"/>.</summary>
    public IReadOnlyList<WorkItem> TakeSettled(TimeSpan quietWindow)
    {
        var settled = new List<WorkItem>();
        foreach (var (item, last) in _lastActivity)
        {
            if (time.GetElapsedTime(last) >= quietWindow
                && _lastActivity.TryRemove(new KeyValuePair<WorkItem, long>(item, last)))
            {
                // Removed only if untouched since we read it: a concurrent Touch keeps the item waiting.
                settled.Add(item);
            }
        }

        return settled;
    }
}
