using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SigWatch.Core.FileSystem;
using SigWatch.Daemon.Configuration;
using SigWatch.Daemon.Store;

namespace SigWatch.Daemon.Watching;

/// <summary>
/// Keeps a watcher on every root (retrying roots that are missing or fail), and moves items that
/// have settled from the <see cref="ActivityTracker"/> to the <see cref="AssessmentQueue"/>.
/// </summary>
internal sealed class WatcherService(
    DaemonOptions options,
    ActivityTracker tracker,
    AssessmentQueue queue,
    SigWatchStore store,
    TimeProvider time,
    ILogger<WatcherService> logger) : BackgroundService
{
    private static readonly TimeSpan s_rootRetry = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often a bundle whose name is not valid UTF-8 is re-examined. .NET's watcher decodes names with U+FFFD and
    /// cannot add watches below such a directory, so changes inside it raise no event; it is polled instead.
    /// </summary>
    internal static readonly TimeSpan UnwatchablePoll = TimeSpan.FromSeconds(15);
    private readonly ConcurrentDictionary<string, RootWatcher> _watchers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _problems = new(StringComparer.Ordinal);

    /// <summary>Per root: whether it is watched, and why not.</summary>
    public (bool Watching, string? Problem) RootState(string root) =>
        _watchers.ContainsKey(root) ? (true, null) : (false, _problems.GetValueOrDefault(root) ?? "not started yet");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // While something is settling, poll for settled items often enough that a settled bundle waits at most a tenth
        // of the quiet window (and never more than 100 ms) beyond it: the time from a copy to its notification is the
        // quiet window plus this plus the assessment (scripts/bench-notify.sh). A tick only looks at the bundles with
        // recent activity. With nothing settling, sleep until the next event or the next root check or poll: an idle
        // daemon that ticked ten times a second cost about 2 % of a core (scripts/bench-idle.sh).
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(options.QuietWindow.TotalMilliseconds / 10, 25, 100));
        var started = time.GetTimestamp();
        var nextRootCheck = TimeSpan.Zero;
        var nextPoll = UnwatchablePoll;
        try
        {
            while (true)
            {
                var elapsed = time.GetElapsedTime(started);
                if (elapsed >= nextRootCheck)
                {
                    EnsureWatchers();
                    nextRootCheck = elapsed + s_rootRetry;
                }

                if (elapsed >= nextPoll)
                {
                    PollUnwatchable();
                    nextPoll = elapsed + UnwatchablePoll;
                }

                foreach (var settled in tracker.TakeSettled(options.QuietWindow, TimeSpan.FromMinutes(options.MaxSettleMinutes)))
                {
                    // Merged: already waiting, its changed paths now include these. Full: the queue warned and will
                    // reconcile the root when there is room.
                    queue.Enqueue(settled.Item, settled.Changes);
                }

                var pending = tracker.ActivityPending();
                if (!pending.IsCompleted)
                {
                    var due = (nextRootCheck < nextPoll ? nextRootCheck : nextPoll) - time.GetElapsedTime(started);
                    using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    var timeout = Task.Delay(due > TimeSpan.Zero ? due : TimeSpan.Zero, time, wake.Token);
                    await Task.WhenAny(pending, timeout).ConfigureAwait(false);
                    await wake.CancelAsync().ConfigureAwait(false);
                    stoppingToken.ThrowIfCancellationRequested();
                    if (!pending.IsCompleted)
                    {
                        continue; // a root check or poll is due
                    }
                }

                await Task.Delay(tick, time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void PollUnwatchable()
    {
        foreach (var root in options.WatchedRoots)
        {
            foreach (var bundle in store.PresentBundlePathsUnder(root).Where(FileNames.HasRawBytes))
            {
                tracker.Touch(new WorkItem(WorkKind.Bundle, bundle, root));
            }
        }
    }

    private void EnsureWatchers()
    {
        foreach (var root in options.WatchedRoots)
        {
            if (_watchers.TryGetValue(root, out var existing))
            {
                if (Directory.Exists(root))
                {
                    continue;
                }

                // The root vanished: drop the dead watch, reconcile (its bundles are gone), retry later.
                existing.Dispose();
                _watchers.TryRemove(root, out _);
                _problems[root] = "directory does not exist";
                logger.LogWarning("Root {Root} disappeared", root);
                tracker.Touch(new WorkItem(WorkKind.Root, root, root));
                continue;
            }

            if (!Directory.Exists(root))
            {
                if (_problems.TryAdd(root, "directory does not exist"))
                {
                    logger.LogWarning("Root {Root} does not exist; watching for it to appear", root);
                }

                continue;
            }

            try
            {
                _watchers[root] = new RootWatcher(root, tracker, logger);
                var hadProblem = _problems.TryRemove(root, out _);
                logger.LogInformation("Watching {Root}", root);
                if (hadProblem)
                {
                    // It appeared (or the watch recovered) after start: whatever is inside is new to us.
                    tracker.Touch(new WorkItem(WorkKind.Root, root, root));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                _problems[root] = e.Message;
                logger.LogError(e, "Cannot watch {Root}", root);
            }
        }
    }

    public override void Dispose()
    {
        foreach (var watcher in _watchers.Values)
        {
            watcher.Dispose();
        }

        _watchers.Clear();
        base.Dispose();
    }
}
