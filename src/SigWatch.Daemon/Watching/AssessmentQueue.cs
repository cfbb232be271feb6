using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SigWatch.Core.FileSystem;

namespace SigWatch.Daemon.Watching;

/// <summary>What <see cref="AssessmentQueue.Enqueue"/> did.</summary>
internal enum EnqueueResult
{
    /// <summary>Added to the queue.</summary>
    Queued,

    /// <summary>The same item was already waiting: its changed paths were merged into it.</summary>
    Merged,

    /// <summary>The queue is full: not added; a reconcile of its root is scheduled for when there is room.</summary>
    Full,
}

/// <summary>An item waiting in the queue with the paths that changed for it; merged into while it waits.</summary>
internal sealed class QueuedWork(WorkItem item, PathChanges changes)
{
    public WorkItem Item { get; } = item;

    /// <summary>Guarded by the queue's lock until the item is taken; the worker's alone afterwards.</summary>
    public PathChanges Changes { get; } = changes;
}

/// <summary>
/// The queue between the watcher (and reconciles, and rescans) and the assessment workers. An item and its changed paths
/// travel together; an item already waiting is not queued twice — its changed paths are merged into the waiting one's.
/// The queue is bounded: when full, the item is refused (<see cref="EnqueueResult.Full"/>, a warning once per root and
/// episode) and its root is remembered, so that a reconcile of that root — which finds whatever was refused — is queued
/// once there is room again (<see cref="TakeOverflowedRoots"/>). Nothing is lost silently, and memory stays bounded.
/// </summary>
internal sealed class AssessmentQueue(ILogger<AssessmentQueue> logger, int capacity = AssessmentQueue.DefaultCapacity)
{
    public const int DefaultCapacity = 100_000;

    private readonly Channel<QueuedWork> _channel = Channel.CreateUnbounded<QueuedWork>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Lock _gate = new();
    private readonly Dictionary<WorkItem, QueuedWork> _waiting = [];
    private readonly HashSet<string> _overflowedRoots = new(StringComparer.Ordinal);

    public int Capacity => capacity;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    public ChannelReader<QueuedWork> Reader => _channel.Reader;

    /// <summary>Queues <paramref name="item"/> with the paths that changed (null: unknown, examine everything).</summary>
    public EnqueueResult Enqueue(WorkItem item, PathChanges? changes = null)
    {
        changes ??= PathChanges.Unknown();
        lock (_gate)
        {
            if (_waiting.TryGetValue(item, out var waiting))
            {
                waiting.Changes.Merge(changes);
                return EnqueueResult.Merged;
            }

            if (_waiting.Count >= capacity)
            {
                if (_overflowedRoots.Add(item.Root))
                {
                    logger.LogWarning("The assessment queue is full ({Capacity} items): {Kind} {Path} was not queued; {Root} will be reconciled when there is room",
                        capacity, item.Kind, FileNames.Display(item.Path), FileNames.Display(item.Root));
                }

                return EnqueueResult.Full;
            }

            var work = new QueuedWork(item, changes);
            _waiting[item] = work;
            _channel.Writer.TryWrite(work); // unbounded: the capacity is enforced above, under the lock
            return EnqueueResult.Queued;
        }
    }

    /// <summary>Called by a worker when it takes <paramref name="work"/>: later activity queues the item again; returns its changed paths.</summary>
    public PathChanges Take(QueuedWork work)
    {
        lock (_gate)
        {
            _waiting.Remove(work.Item);
            return work.Changes;
        }
    }

    /// <summary>The roots whose work was refused for a full queue, once the queue is at most half full; each is returned once per episode.</summary>
    public IReadOnlyList<string> TakeOverflowedRoots()
    {
        lock (_gate)
        {
            if (_overflowedRoots.Count == 0 || _waiting.Count > capacity / 2)
            {
                return [];
            }

            var roots = _overflowedRoots.ToList();
            _overflowedRoots.Clear();
            return roots;
        }
    }

    /// <summary>No more items: the workers finish what they hold and stop.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
