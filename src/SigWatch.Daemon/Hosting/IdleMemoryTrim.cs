using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SigWatch.Daemon.Assessment;
using SigWatch.Platform;

namespace SigWatch.Daemon.Hosting;

/// <summary>
/// Gives memory back once work ends. The daemon spends most of its life idle between bursts (start-up reconciliation,
/// an install, a volume mounted); after a burst the GC keeps the generation budgets and free regions it grew for it,
/// which was most of the idle RSS above start-up (scripts/bench-idle.sh: 500 bundles assessed left about 38 MB more
/// than an empty root). When the assessment queue has been drained and has stayed empty for <see cref="Quiet"/>,
/// one full blocking collection in <see cref="GCCollectionMode.Aggressive"/> mode compacts the heap and decommits what
/// is free (a few milliseconds for the daemon's heap of about 10 MB); then the C heap gives its free pages back too
/// (<see cref="NativeHeap.Trim"/>). It runs once per burst, never on a timer.
/// </summary>
internal sealed class IdleMemoryTrim(AssessmentWorker worker, TimeProvider time, ILogger<IdleMemoryTrim> logger) : BackgroundService
{
    /// <summary>How long the queue stays empty before the collection: a burst often drains and refills for a while.</summary>
    internal static readonly TimeSpan Quiet = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // Start-up (the host, the migrations, the first reconciliation) is the first burst.
            var drained = Task.CompletedTask;
            while (true)
            {
                await drained.WaitAsync(stoppingToken).ConfigureAwait(false);
                // Quiet: no other drain (so no other item finished) for a whole window, and nothing in hand now.
                Task next;
                do
                {
                    next = worker.NextDrain;
                }
                while (await Task.WhenAny(next, Task.Delay(Quiet, time, stoppingToken)).ConfigureAwait(false) == next);

                stoppingToken.ThrowIfCancellationRequested();
                if (worker.IsIdle)
                {
                    Trim();
                }

                drained = worker.NextDrain;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Trim()
    {
        var before = Environment.WorkingSet;
        var started = time.GetTimestamp();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var native = NativeHeap.Trim();
        logger.LogDebug("Work ended: gave memory back in {Ms:F1} ms, working set {Before} -> {After} MB (C heap: {Native})",
            time.GetElapsedTime(started).TotalMilliseconds, before >> 20, Environment.WorkingSet >> 20, native);
    }
}
