using System.Collections.Concurrent;
using System.Threading.Channels;

namespace SigWatch.Daemon.Watching;

/// <summary>
/// The queue between the watcher and the assessment worker. An item already waiting is not queued
/// twice. The queue is bounded: when full, a bundle item is dropped with a warning and picked up by
/// the next reconcile, rather than letting memory grow without limit.
/// </summary>
internal sealed class AssessmentQueue
{
    public const int Capacity = 100_000;

    private readonly Channel<WorkItem> _channel = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(Capacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly ConcurrentDictionary<WorkItem, byte> _waiting = new();

    public int Count => _waiting.Count;

    public ChannelReader<WorkItem> Reader => _channel.Reader;

    /// <summary>Queues <paramref name="item"/>; false when it was already waiting or the queue is full.</summary>
    public bool TryEnqueue(WorkItem item)
    {
        if (!_waiting.TryAdd(item, 0))
        {
            return false;
        }

        if (_channel.Writer.TryWrite(item))
        {
            return true;
        }

        _waiting.TryRemove(item, out _);
        return false;
    }

    /// <summary>Called by the worker when it takes an item, so later activity can queue it again.</summary>
    public void MarkTaken(WorkItem item) => _waiting.TryRemove(item, out _);
}
