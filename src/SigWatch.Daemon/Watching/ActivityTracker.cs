namespace SigWatch.Daemon.Watching;

/// <summary>
/// Quiescence: collects file-system activity per bundle (or folder, or root) and releases an item
/// only after it has been quiet for the quiet window. A bundle being copied keeps being touched,
/// so it is assessed once, after the copy settles (USER-PROBLEMS.md row 4), not once per file.
/// The paths the events named travel with the item, so its assessment can look at those alone.
/// </summary>
internal sealed class ActivityTracker(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<WorkItem, Activity> _activity = [];
    private TaskCompletionSource? _idleWaiter;

    private sealed class Activity(long first, PathChanges changes)
    {
        public long First { get; } = first;

        public long Last { get; set; } = first;

        public PathChanges Changes { get; } = changes;
    }

    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _activity.Count;
            }
        }
    }

    /// <param name="item">What the activity affects.</param>
    /// <param name="changedPath">The path the event named; null when the cause is not one path (the whole item is then examined).</param>
    public void Touch(WorkItem item, string? changedPath = null)
    {
        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (!_activity.TryGetValue(item, out var activity))
            {
                _activity[item] = activity = new Activity(now, PathChanges.Empty());
            }

            activity.Last = now;
            activity.Changes.Add(changedPath);
            _idleWaiter?.TrySetResult();
            _idleWaiter = null;
        }
    }

    /// <summary>True while <paramref name="item"/> has activity that has not settled yet (it will be released by <see cref="TakeSettled"/>).</summary>
    public bool IsSettling(WorkItem item)
    {
        lock (_gate)
        {
            return _activity.ContainsKey(item);
        }
    }

    /// <summary>
    /// Completes when there is activity to settle: at once if some is pending, else at the next <see cref="Touch"/>.
    /// The watcher waits on this instead of ticking, so a daemon with nothing to do wakes for nothing.
    /// </summary>
    public Task ActivityPending()
    {
        lock (_gate)
        {
            if (_activity.Count > 0)
            {
                return Task.CompletedTask;
            }

            _idleWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idleWaiter.Task;
        }
    }

    /// <summary>
    /// Removes and returns the items that have been quiet for at least <paramref name="quietWindow"/>,
    /// and those still busy after <paramref name="maxWait"/>, flagged <see cref="WorkItem.Unstable"/>:
    /// a bundle that never settles is assessed anyway and reported as unstable, never silently skipped.
    /// </summary>
    public IReadOnlyList<SettledWork> TakeSettled(TimeSpan quietWindow, TimeSpan? maxWait = null)
    {
        var settled = new List<SettledWork>();
        lock (_gate)
        {
            foreach (var (item, activity) in _activity)
            {
                var quiet = time.GetElapsedTime(activity.Last) >= quietWindow;
                var overdue = maxWait is { } limit && time.GetElapsedTime(activity.First) >= limit;
                if (quiet || overdue)
                {
                    settled.Add(new SettledWork(item, quiet ? item : item with { Unstable = true }, activity.Changes));
                }
            }

            foreach (var work in settled)
            {
                _activity.Remove(work.Key);
            }
        }

        return settled;
    }
}

/// <summary>An item whose activity settled, with the paths its events named.</summary>
/// <param name="Key">The item as it was touched.</param>
/// <param name="Item">The item to assess (marked unstable when it never settled).</param>
/// <param name="Changes">The paths the events named.</param>
internal sealed record SettledWork(WorkItem Key, WorkItem Item, PathChanges Changes);
