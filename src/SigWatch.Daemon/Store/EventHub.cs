using System.Threading.Channels;

namespace SigWatch.Daemon.Store;

/// <summary>
/// Fans committed events out to live WatchEvents streams. Each subscriber has a bounded queue; a
/// subscriber that falls that far behind is cut off (its reader completes with
/// <see cref="SubscriberTooSlowException"/>) rather than letting memory grow: it can resume from
/// its cursor, because every event is in the store.
/// </summary>
internal sealed class EventHub
{
    public const int SubscriberCapacity = 10_000;

    private readonly Lock _gate = new();
    private readonly List<Channel<EventRecord>> _subscribers = [];

    public Subscription Subscribe()
    {
        var channel = Channel.CreateBounded<EventRecord>(new BoundedChannelOptions(SubscriberCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        lock (_gate)
        {
            _subscribers.Add(channel);
        }

        return new Subscription(this, channel);
    }

    public int SubscriberCount
    {
        get
        {
            lock (_gate)
            {
                return _subscribers.Count;
            }
        }
    }

    public void Publish(IReadOnlyList<EventRecord> events)
    {
        if (events.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            for (var i = _subscribers.Count - 1; i >= 0; i--)
            {
                var channel = _subscribers[i];
                foreach (var ev in events)
                {
                    if (!channel.Writer.TryWrite(ev))
                    {
                        channel.Writer.TryComplete(new SubscriberTooSlowException());
                        _subscribers.RemoveAt(i);
                        break;
                    }
                }
            }
        }
    }

    /// <summary>Ends every live stream (daemon shutdown): readers complete normally.</summary>
    public void CompleteAll()
    {
        lock (_gate)
        {
            foreach (var channel in _subscribers)
            {
                channel.Writer.TryComplete();
            }

            _subscribers.Clear();
        }
    }

    private void Remove(Channel<EventRecord> channel)
    {
        lock (_gate)
        {
            _subscribers.Remove(channel);
        }

        channel.Writer.TryComplete();
    }

    internal sealed class Subscription(EventHub hub, Channel<EventRecord> channel) : IDisposable
    {
        public ChannelReader<EventRecord> Reader => channel.Reader;

        public void Dispose() => hub.Remove(channel);
    }
}

internal sealed class SubscriberTooSlowException()
    : Exception($"the event stream fell more than {EventHub.SubscriberCapacity} events behind; reconnect from the last event id received");
