using System.Threading.Channels;

namespace SigWatch.Daemon.Store;

/// <summary>
/// Fans committed events out to live WatchEvents streams. The number of subscribers is bounded in total and per uid
/// (<see cref="SubscriberLimitException"/> beyond), and each has a bounded queue; a subscriber that falls that far behind
/// is cut off (its reader completes with <see cref="SubscriberTooSlowException"/>) rather than letting memory grow: it
/// can resume from its cursor, because every event is in the store.
/// </summary>
internal sealed class EventHub(int maxSubscribers = 64, int maxSubscribersPerUser = 8, Fleet.DaemonMetrics? metrics = null)
{
    public const int SubscriberCapacity = 1_000;

    private readonly Lock _gate = new();
    private readonly List<Channel<EventRecord>> _subscribers = [];
    private readonly Dictionary<uint, int> _perUser = [];
    private Wakeup[] _wakeups = [];

    /// <summary>
    /// A wakeup set after every commit (with or without events): the fleet outputs read what was committed from the store
    /// by cursor, so they need to know when to look, not what was written, and can never fall too far behind to catch up.
    /// </summary>
    public Wakeup AddCommitWakeup()
    {
        var wakeup = new Wakeup();
        lock (_gate)
        {
            _wakeups = [.. _wakeups, wakeup];
        }

        return wakeup;
    }

    /// <summary>Subscribes for <paramref name="uid"/>; throws <see cref="SubscriberLimitException"/> when a limit is reached.</summary>
    public Subscription Subscribe(uint uid)
    {
        var channel = Channel.CreateBounded<EventRecord>(new BoundedChannelOptions(SubscriberCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        lock (_gate)
        {
            if (_subscribers.Count >= maxSubscribers)
            {
                throw new SubscriberLimitException($"the daemon already serves {maxSubscribers} event streams (MaxWatchers)");
            }

            var mine = _perUser.GetValueOrDefault(uid);
            if (mine >= maxSubscribersPerUser)
            {
                throw new SubscriberLimitException($"uid {uid} already has {maxSubscribersPerUser} event streams open (MaxWatchersPerUser)");
            }

            _perUser[uid] = mine + 1;
            _subscribers.Add(channel);
        }

        return new Subscription(this, channel, uid);
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
        foreach (var wakeup in Volatile.Read(ref _wakeups))
        {
            wakeup.Set();
        }

        if (events.Count == 0)
        {
            return;
        }

        metrics?.EventsCommitted(events);
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

    private void Remove(Channel<EventRecord> channel, uint uid)
    {
        lock (_gate)
        {
            _subscribers.Remove(channel);
            if (_perUser.TryGetValue(uid, out var count))
            {
                if (count <= 1)
                {
                    _perUser.Remove(uid);
                }
                else
                {
                    _perUser[uid] = count - 1;
                }
            }
        }

        channel.Writer.TryComplete();
    }

    internal sealed class Subscription(EventHub hub, Channel<EventRecord> channel, uint uid) : IDisposable
    {
        private int _disposed;

        public ChannelReader<EventRecord> Reader => channel.Reader;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                hub.Remove(channel, uid);
            }
        }
    }
}

/// <summary>An auto-reset signal for one waiter: any number of <see cref="Set"/> calls before a wait wake it once.</summary>
internal sealed class Wakeup
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    public void Set() => _channel.Writer.TryWrite(true);

    /// <summary>Waits until set or <paramref name="timeout"/> passes; false on timeout.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_channel.Reader.TryRead(out _))
        {
            return true;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await _channel.Reader.WaitToReadAsync(cts.Token).ConfigureAwait(false);
            return _channel.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}

/// <summary>A WatchEvents stream beyond the configured limits.</summary>
internal sealed class SubscriberLimitException(string message) : Exception(message);

internal sealed class SubscriberTooSlowException()
    : Exception($"the event stream fell more than {EventHub.SubscriberCapacity} events behind; reconnect from the last event id received");
