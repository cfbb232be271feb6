using System.Threading.Channels;

namespace SigWatch.Daemon.Watching;

/// <summary>
/// The queue between the watcher and the assessment worker. An item already waiting is not queued
/// twice: its changed paths are merged into the waiting one's. The queue is bounded: when full, a
/// bundle item is dropped with a warning and picked up by the next reconcile, rather than letting
/// memory grow without limit.
/// </summary>
internal sealed class AssessmentQueue
{
    public const int Capacity = 100_000;

    private readonly Channel<WorkItem> _channel = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(Capacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly Lock _gate = new();
    private readonly Dictionary<WorkItem, PathChanges> _waiting = [];

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

    public ChannelReader<WorkItem> Reader => _channel.Reader;

    /// <summary>
    /// Queues <paramref name="item"/> with the paths that changed (null: unknown, examine everything); false when it was
    /// already waiting (the paths are merged into it) or the queue is full.
    /// </summary>
    public bool TryEnqueue(WorkItem item, PathChanges? changes = null)
    {
        changes ??= PathChanges.Unknown();
        lock (_gate)
        {
            if (_waiting.TryGetValue(item, out var waiting))
            {
                waiting.Merge(changes);
                return false;
            }

            if (!_channel.Writer.TryWrite(item))
            {
                return false;
            }

            _waiting[item] = changes;
            return true;
        }
    }

    /// <summary>Called by the worker when it takes an item, so later activity can queue it again; returns its changed paths.</summary>
    public PathChanges MarkTaken(WorkItem item)
    {
        lock (_gate)
        {
            return _waiting.Remove(item, out var changes) ? changes : PathChanges.Unknown();
        }
    }
}
