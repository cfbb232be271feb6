using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SigWatch.Core.Bundles;
using SigWatch.Daemon.Store;
using SigWatch.Daemon.Watching;

namespace SigWatch.Daemon.Assessment;

/// <summary>
/// Takes settled work from the queue and brings the store in line with the disk: assesses bundles,
/// records removals, and expands folder/root reconciles into bundle items. One item at a time; on
/// shutdown the item in hand is finished (its transaction committed) before the worker stops.
/// A failure on one bundle is logged and does not stop the others.
/// The last inspection of each bundle is kept (<see cref="InspectionMemory"/>, without any file's
/// bytes) so that an item whose changed paths are known re-examines those paths alone; reconciles,
/// which do not know what changed, walk everything (with the digest cache), and the periodic full
/// item re-hashes it all.
/// </summary>
internal sealed class AssessmentWorker(
    AssessmentQueue queue,
    SigWatchStore store,
    BundleInspectionContext context,
    SqliteFileHashCache hashCache,
    TimeProvider time,
    ILogger<AssessmentWorker> logger) : BackgroundService
{
    private readonly InspectionMemory _inspections = new();
    private long _completed;

    public long Completed => Interlocked.Read(ref _completed);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                while (!stoppingToken.IsCancellationRequested && queue.Reader.TryRead(out var item))
                {
                    var changes = queue.MarkTaken(item);
                    try
                    {
                        // Deliberately not cancellable: in-flight work completes on shutdown.
                        await ProcessAsync(item, changes).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        logger.LogError(e, "Assessment of {Kind} {Path} failed; other bundles continue", item.Kind, item.Path);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ProcessAsync(WorkItem item, PathChanges changes)
    {
        switch (item.Kind)
        {
            case WorkKind.Bundle:
                await AssessBundleAsync(item, changes).ConfigureAwait(false);
                break;
            case WorkKind.Container:
                Expand(item, BundleLocator.FindBundlesInContainer(item.Path), store.PresentBundlePathsUnder(item.Path)
                    .Where(p => Path.GetDirectoryName(p) == item.Path));
                break;
            case WorkKind.Root:
                var problems = new List<string>();
                Expand(item, BundleLocator.FindBundles(item.Path, problems), store.PresentBundlePathsUnder(item.Path));
                foreach (var problem in problems)
                {
                    logger.LogWarning("Reconcile of {Root}: {Problem}", item.Path, problem);
                }

                break;
        }
    }

    private void Expand(WorkItem reconcile, IEnumerable<string> onDisk, IEnumerable<string> inStore)
    {
        // Bundles on disk are assessed (unchanged ones cost a walk and cache look-ups, not an event);
        // bundles the store has but the disk does not are queued too and end as bundle-removed.
        foreach (var path in onDisk.Union(inStore, StringComparer.Ordinal))
        {
            queue.TryEnqueue(new WorkItem(WorkKind.Bundle, path, reconcile.Root, reconcile.Full));
        }
    }

    private async Task AssessBundleAsync(WorkItem item, PathChanges changes)
    {
        var previous = _inspections.Take(item.Path);
        var inspection = BundleInspector.Inspect(item.Path, context, item.Full, previous, changes.Paths);
        var facts = inspection?.Facts;
        if (facts is not null && item.Unstable)
        {
            facts = facts with { Unstable = true };
            logger.LogWarning("Bundle {Path} never settled; assessed while still changing", item.Path);
        }

        if (inspection?.Seal?.Statistics is { } cost)
        {
            logger.LogDebug("Assessed {Path}: {Paths} changed path(s) known, {FullWalks} full walk(s), {Regions} region(s), {Hashed} file(s) hashed",
                item.Path, changes.Paths?.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no", cost.FullWalks, cost.RegionWalks, cost.FilesHashed);
        }

        var now = time.GetUtcNow();
        hashCache.Flush();
        if (facts is null)
        {
            hashCache.Forget(item.Path);
            var removed = await store.RecordRemovalAsync(item.Path, now).ConfigureAwait(false);
            if (removed is not null)
            {
                logger.LogInformation("Bundle removed: {Path} (event {EventId})", item.Path, removed.Id);
            }
        }
        else
        {
            var outcome = await store.RecordAssessmentAsync(item.Path, item.Root, facts, now).ConfigureAwait(false);
            foreach (var ev in outcome.Events)
            {
                logger.LogInformation("{Kind}: {Path}: {Summary} (event {EventId})", ev.Kind, ev.BundlePath, ev.Summary, ev.Id);
            }

            _inspections.Remember(item.Path, inspection!);
        }

        Interlocked.Increment(ref _completed);
    }
}
