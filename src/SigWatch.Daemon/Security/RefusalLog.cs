using Microsoft.Extensions.Logging;

namespace SigWatch.Daemon.Security;

/// <summary>
/// Logs refusals — connections refused by the peer policy or the connection limits, calls denied by authorization or
/// refused by a limit — without letting a flood fill the disk: the first refusal of a uid in a minute is logged
/// with its reason; the rest of that minute are counted and summed up in one line when the minute is over (at the
/// next refusal of that uid, or by <see cref="Flush"/>, which the daemon calls every minute). At most two lines per
/// uid per minute, whatever the rate.
/// </summary>
internal sealed class RefusalLog(ILogger logger, TimeProvider time)
{
    private static readonly TimeSpan s_window = TimeSpan.FromMinutes(1);
    private readonly Lock _gate = new();
    private readonly Dictionary<uint, (DateTimeOffset Start, long Count, string LastReason)> _windows = [];

    /// <summary>Refusals noted since the daemon started (for tests and status).</summary>
    public long Total { get; private set; }

    public void Note(uint? uid, string reason)
    {
        var key = uid ?? uint.MaxValue;
        var now = time.GetUtcNow();
        lock (_gate)
        {
            Total++;
            if (_windows.TryGetValue(key, out var window) && now - window.Start < s_window)
            {
                _windows[key] = (window.Start, window.Count + 1, reason);
                return;
            }

            if (window.Count > 1)
            {
                Summarize(key, window);
            }

            _windows[key] = (now, 1, reason);
        }

        logger.LogWarning("Refused {Peer}: {Reason}; further refusals of this peer are counted for a minute", Peer(key), reason);
    }

    /// <summary>Writes the summaries of windows that are over, and forgets them.</summary>
    public void Flush()
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            foreach (var (key, window) in _windows.Where(w => now - w.Value.Start >= s_window).ToList())
            {
                if (window.Count > 1)
                {
                    Summarize(key, window);
                }

                _windows.Remove(key);
            }
        }
    }

    private void Summarize(uint key, (DateTimeOffset Start, long Count, string LastReason) window) =>
        logger.LogWarning("Refused {Count} more times in the minute from {Start:O}: {Peer}; last reason: {Reason}",
            window.Count - 1, window.Start, Peer(key), window.LastReason);

    private static string Peer(uint key) => key == uint.MaxValue ? "peers without credentials" : $"uid {key}";
}
