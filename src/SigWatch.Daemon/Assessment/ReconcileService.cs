using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SigWatch.Daemon.Configuration;
using SigWatch.Daemon.Watching;

namespace SigWatch.Daemon.Assessment;

/// <summary>
/// Reconciles the store with the disk at start (bundles added or removed while the daemon was not
/// running) and then periodically, in case file events were lost (inotify/FSEvents overflow).
/// </summary>
internal sealed class ReconcileService(DaemonOptions options, AssessmentQueue queue, TimeProvider time, ILogger<ReconcileService> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        QueueAll("startup", full: false);
        return Task.WhenAll(
            EveryAsync(TimeSpan.FromMinutes(options.ReconcileIntervalMinutes), "periodic", full: false, stoppingToken),
            EveryAsync(TimeSpan.FromHours(options.FullVerifyHours), "full re-hash", full: true, stoppingToken));
    }

    private async Task EveryAsync(TimeSpan period, string why, bool full, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                QueueAll(why, full);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Queues a reconcile of every root; <paramref name="full"/> re-verifies seals without the digest cache.</summary>
    public int QueueAll(string why, bool full)
    {
        var queued = 0;
        foreach (var root in options.WatchedRoots)
        {
            if (queue.Enqueue(new WorkItem(WorkKind.Root, root, root, full)) == EnqueueResult.Queued)
            {
                queued++;
            }
        }

        logger.LogInformation("Reconcile ({Why}) queued for {Count} root(s)", why, queued);
        return queued;
    }
}
