using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SigWatch.Core.Assessment;
using SigWatch.Core.FileSystem;
using SigWatch.Daemon.Configuration;
using SigWatch.Daemon.Store;
using SigWatch.Daemon.Watching;

namespace SigWatch.Daemon.Assessment;

/// <summary>
/// The assessment workers: a bounded pool (<see cref="DaemonOptions.Workers"/>, default 2) that takes work from the queue
/// and brings the store in line with the disk — assesses bundles (<see cref="BundleAssessor"/>), records removals, and
/// expands roots and folders into bundles (<see cref="BundleExpansion"/>). Nothing stalls monitoring:
/// <list type="bullet">
/// <item>a large bundle being hashed occupies one worker; a small bundle that arrives after it is assessed by another;</item>
/// <item>a bundle is assessed by one worker at a time (work for it that arrives meanwhile waits, merged, until it is done);</item>
/// <item>every assessment has a deadline (a floor plus a share per GiB of the bundle) and is cancelled when it runs out:
/// the bundle is recorded <c>incomplete</c> with the reason and retried with backoff;</item>
/// <item>an assessment that fails (an I/O error, the database disk full) is retried with backoff, never dropped.</item>
/// </list>
/// On shutdown the items in hand get a grace period to finish (their transactions commit) before they are cancelled.
/// The last assessment of each bundle is kept (<see cref="InspectionMemory"/>, without any file's bytes) so that an item
/// whose changed paths are known re-examines those paths alone.
/// </summary>
internal sealed partial class AssessmentWorker(
    DaemonOptions options,
    AssessmentQueue queue,
    SigWatchStore store,
    BundleAssessor assessor,
    BundleExpansion expansion,
    SqliteFileHashCache hashCache,
    IFileTree tree,
    TimeProvider time,
    ActivityTracker tracker,
    Fleet.DaemonMetrics metrics,
    ILogger<AssessmentWorker> logger) : BackgroundService
{
    /// <summary>How long items in hand may still run once the daemon is told to stop (the host waits 15 s).</summary>
    internal static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan s_failureRetryFirst = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_failureRetryMax = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_deadlineRetryFirst = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan s_deadlineRetryMax = TimeSpan.FromMinutes(30);

    private readonly InspectionMemory _memory = new(maxFiles: options.KeptStateMaxFiles);
    private readonly ConcurrentDictionary<string, byte> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (WorkItem Item, PathChanges Changes)> _deferred = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<WorkItem, int> _attempts = new();
    private long _completed;
    private CancellationToken _stopping;
    private TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Assessments, removals and expansions finished (successfully).</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Completes the next time a worker finishes an item and finds nothing else queued or in hand.</summary>
    public Task NextDrain => Volatile.Read(ref _drained).Task;

    /// <summary>No item is queued or in hand.</summary>
    public bool IsIdle => queue.Count == 0 && _inFlight.IsEmpty;

    /// <summary>Items waiting for a retry after a failure or a missed deadline.</summary>
    public int RetriesPending => _attempts.Count;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        return Task.WhenAll(Enumerable.Range(0, options.Workers).Select(_ => Task.Run(() => RunAsync(stoppingToken), CancellationToken.None)));
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var work in queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                var changes = queue.Take(work);
                var item = work.Item;
                if (item.Kind == WorkKind.Bundle && !_inFlight.TryAdd(item.Path, 0))
                {
                    // Another worker has this bundle in hand: this work waits (merged) until it is done.
                    _deferred.AddOrUpdate(item.Path, (item, changes), (_, waiting) =>
                    {
                        waiting.Changes.Merge(changes);
                        return (waiting.Item with { Full = waiting.Item.Full || item.Full }, waiting.Changes);
                    });
                    continue;
                }

                try
                {
                    await ProcessAsync(item, changes).ConfigureAwait(false);
                }
                finally
                {
                    if (item.Kind == WorkKind.Bundle)
                    {
                        _inFlight.TryRemove(item.Path, out _);
                        if (_deferred.TryRemove(item.Path, out var deferred))
                        {
                            queue.Enqueue(deferred.Item, deferred.Changes);
                        }
                    }
                }

                foreach (var root in queue.TakeOverflowedRoots())
                {
                    queue.Enqueue(new WorkItem(WorkKind.Root, root, root));
                }

                if (IsIdle)
                {
                    Interlocked.Exchange(ref _drained, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ProcessAsync(WorkItem item, PathChanges changes)
    {
        try
        {
            switch (item.Kind)
            {
                case WorkKind.Bundle:
                    await AssessBundleAsync(item, changes).ConfigureAwait(false);
                    break;
                default:
                    Expand(item);
                    break;
            }

            _attempts.TryRemove(item with { Unstable = false }, out _);
            Interlocked.Increment(ref _completed);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping: the item is neither recorded nor retried; the next start reconciles everything.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var delay = ScheduleRetry(item, s_failureRetryFirst, s_failureRetryMax);
            logger.LogError("Assessment of {Kind} {Path} failed: {Cause}; other bundles continue, this one is retried in {Delay} s",
                item.Kind, FileNames.Display(item.Path), e.Message, Seconds(delay));
            logger.LogDebug(e, "Failure detail for {Path}", FileNames.Display(item.Path));
        }
    }

    private void Expand(WorkItem item)
    {
        var problems = new List<string>();
        var refused = 0;
        // Bundles on disk are assessed (unchanged ones cost a walk and cache look-ups, not an event); bundles the store
        // has but the disk does not are queued too and end as bundle-removed.
        foreach (var path in expansion.Expand(item, problems))
        {
            // A bundle the watcher sees changing (being copied in while the start-up reconcile lists the root) is left
            // to the tracker, which queues it once it settles: queued now it would be assessed half-copied, then again.
            if (tracker.IsSettling(new WorkItem(WorkKind.Bundle, path, item.Root)))
            {
                continue;
            }

            if (queue.Enqueue(new WorkItem(WorkKind.Bundle, path, item.Root, item.Full)) == EnqueueResult.Full)
            {
                refused++;
            }
        }

        foreach (var problem in problems)
        {
            logger.LogWarning("Reconcile of {Path}: {Problem}", FileNames.Display(item.Path), problem);
        }

        if (refused > 0)
        {
            logger.LogWarning("Reconcile of {Path}: {Refused} bundle(s) not queued (queue full); the root is reconciled again when there is room",
                FileNames.Display(item.Path), refused);
        }
    }

    private async Task AssessBundleAsync(WorkItem item, PathChanges changes)
    {
        var previous = _memory.Take(item.Path);
        var deadline = options.AssessmentDeadline(previous?.Facts.TotalSize ?? 0);
        using var cancel = new CancellationTokenSource(deadline, time);
        using var stopping = _stopping.Register(() => cancel.CancelAfter(ShutdownGrace));
        BundleAssessment? assessment;
        try
        {
            assessment = assessor.Assess(item.Path, previous, changes.Paths, item.Full,
                bytes => cancel.CancelAfter(deadline = options.AssessmentDeadline(bytes)), cancel.Token);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested && !_stopping.IsCancellationRequested)
        {
            var delay = ScheduleRetry(item, s_deadlineRetryFirst, s_deadlineRetryMax);
            var reason = string.Create(CultureInfo.InvariantCulture,
                $"the assessment did not finish within its deadline of {Seconds(deadline)} s; it is tried again in {Seconds(delay)} s");
            logger.LogWarning("Bundle {Path}: {Reason}", FileNames.Display(item.Path), reason);
            metrics.Assessed(deadline, previous?.Facts.Kind ?? "bundle", "incomplete");
            await RecordIncompleteAsync(item, reason).ConfigureAwait(false);
            return;
        }

        var facts = assessment?.Facts;
        if (assessment is not null)
        {
            metrics.Assessed(TimeSpan.FromMilliseconds(assessment.Cost.Milliseconds), facts!.Kind ?? "bundle", "completed");
        }

        if (facts is not null && item.Unstable)
        {
            facts = facts with { Unstable = true };
            logger.LogWarning("Bundle {Path} never settled; assessed while still changing", FileNames.Display(item.Path));
        }

        hashCache.Flush();
        var now = time.GetUtcNow();
        if (assessment is null)
        {
            hashCache.Forget(item.Path);
            var removed = await store.RecordRemovalAsync(item.Path, now, options.IsSourceRoot(item.Root) ? null : AssessmentComparison.Removed())
                .ConfigureAwait(false);
            if (removed is not null)
            {
                logger.LogInformation("Bundle removed: {Path} (event {EventId})", FileNames.Display(item.Path), removed.Id);
            }

            return;
        }

        var directory = DirectoryIdentity(item.Path);
        var outcome = await store.RecordAssessmentAsync(item.Path, item.Root, facts!, assessment.Cost, now,
            context => Decide(item, facts!, directory, context, now), new RecordOptions(options.IsSourceRoot(item.Root), directory)).ConfigureAwait(false);
        foreach (var ev in outcome.Events)
        {
            logger.LogInformation("{Kind}: {Path}: {Summary} (event {EventId})", ev.Kind, FileNames.Display(ev.BundlePath), ev.Summary, ev.Id);
        }

        _memory.Remember(item.Path, assessment.Detach());
    }

    private async Task RecordIncompleteAsync(WorkItem item, string reason)
    {
        try
        {
            var ev = await store.RecordIncompleteAsync(item.Path, item.Root, reason, time.GetUtcNow(),
                options.IsSourceRoot(item.Root) ? null : AssessmentComparison.Incomplete(reason)).ConfigureAwait(false);
            if (ev is not null)
            {
                logger.LogInformation("{Kind}: {Path}: {Summary} (event {EventId})", ev.Kind, FileNames.Display(ev.BundlePath), ev.Summary, ev.Id);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogError("Bundle {Path}: the incomplete assessment could not be recorded either: {Cause}", FileNames.Display(item.Path), e.Message);
        }
    }

    // Backoff doubles per attempt of the same item, up to `max`; the item is queued again (changes unknown: what it saw
    // before is not kept) unless the daemon is stopping. Attempts are forgotten when the item succeeds.
    private TimeSpan ScheduleRetry(WorkItem item, TimeSpan first, TimeSpan max)
    {
        var key = item with { Unstable = false };
        var attempt = _attempts.AddOrUpdate(key, 1, (_, n) => n + 1);
        var delay = TimeSpan.FromTicks(Math.Min(max.Ticks, first.Ticks << Math.Min(attempt - 1, 20)));
        _ = RetryAfterAsync(item, delay);
        return delay;
    }

    private async Task RetryAfterAsync(WorkItem item, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, time, _stopping).ConfigureAwait(false);
            queue.Enqueue(item);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
}
