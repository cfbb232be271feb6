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
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        QueueAll("startup");
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(options.ReconcileIntervalMinutes), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                QueueAll("periodic");
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Queues a reconcile of every root (also used by Rescan with an empty path).</summary>
    public int QueueAll(string why)
    {
        var queued = 0;
        foreach (var root in options.Roots)
        {
            if (queue.TryEnqueue(new WorkItem(WorkKind.Root, root, root)))
            {
                queued++;
            }
        }

        logger.LogInformation("Reconcile ({Why}) queued for {Count} root(s)", why, queued);
        return queued;
    }
}
