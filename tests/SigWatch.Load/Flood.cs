using System.Diagnostics;
using System.Net.Sockets;

namespace SigWatch.Load;

/// <summary>
/// Opens many connections as fast as it can, each sending an HTTP/2 preface as a real client would, and records how
/// the daemon ends each one: with a refusal (GOAWAY INADEQUATE_SECURITY), closed without a word, still open after the
/// read timeout (the daemon holds it: what a flood must not achieve), or a connect error. The last
/// <c>hold</c> sockets are kept open on this side until the end, as an attacker would.
/// </summary>
internal static class Flood
{
    public static async Task<FloodResult> RunAsync(string socketPath, int connections, int concurrency, int hold, TimeSpan readTimeout)
    {
        // Hold no more than this process may have open (RLIMIT_NOFILE), leaving room for the runtime's own.
        hold = Math.Max(0, Math.Min(hold, OpenFileLimit() - concurrency - 256));
        var clock = Stopwatch.StartNew();
        var held = new Queue<Socket>();
        var gate = new object();
        int next = -1, refused = 0, closedSilently = 0, stillOpen = 0, connectErrors = 0, retries = 0;
        string? firstReason = null, firstError = null;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < connections)
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath)).ConfigureAwait(false);
                            break;
                        }
                        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.TryAgain && attempt < 1000)
                        {
                            // The listen backlog is full: the daemon is behind on accepting; try again shortly.
                            Interlocked.Increment(ref retries);
                            socket.Dispose();
                            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                            await Task.Delay(1).ConfigureAwait(false);
                        }
                    }

                    try
                    {
                        await socket.SendAsync(RawHttp2.Preface.ToArray(), SocketFlags.None).ConfigureAwait(false);
                        await socket.SendAsync(RawHttp2.Frame(RawHttp2.Settings, 0, 0, []), SocketFlags.None).ConfigureAwait(false);
                    }
                    catch (SocketException)
                    {
                        // Already closed by the daemon: read what it said.
                    }

                    using var timeout = new CancellationTokenSource(readTimeout);
                    var received = await RawHttp2.ReadUntilClosedAsync(socket, 4096, timeout.Token).ConfigureAwait(false);
                    var (isRefusal, debug) = RawHttp2.FindRefusal(received);
                    if (timeout.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref stillOpen);
                    }
                    else if (isRefusal)
                    {
                        Interlocked.Increment(ref refused);
                        Interlocked.CompareExchange(ref firstReason, debug, null);
                    }
                    else
                    {
                        Interlocked.Increment(ref closedSilently);
                    }
                }
                catch (SocketException e)
                {
                    Interlocked.Increment(ref connectErrors);
                    Interlocked.CompareExchange(ref firstError, e.Message, null);
                }

                lock (gate)
                {
                    held.Enqueue(socket);
                    if (held.Count > hold)
                    {
                        held.Dequeue().Dispose();
                    }
                }
            }
        }).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        var elapsed = clock.Elapsed;
        foreach (var socket in held)
        {
            socket.Dispose();
        }

        return new FloodResult(connections, hold, refused, closedSilently, stillOpen, connectErrors, retries, firstReason, firstError,
            (long)elapsed.TotalMilliseconds, connections / Math.Max(elapsed.TotalSeconds, 1e-3));
    }

    /// <summary>The soft RLIMIT_NOFILE, from /proc/self/limits (Linux); a conservative 1024 elsewhere.</summary>
    private static int OpenFileLimit()
    {
        try
        {
            var line = File.ReadLines("/proc/self/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            return soft == "unlimited" ? int.MaxValue : int.Parse(soft, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or FormatException or UnauthorizedAccessException)
        {
            return 1024;
        }
    }
}

internal sealed record FloodResult(
    int Attempted, int Held, int Refused, int ClosedWithoutRefusal, int StillOpenAfterTimeout, int ConnectErrors, int BacklogRetries,
    string? FirstRefusal, string? FirstError, long ElapsedMs, double ConnectionsPerSecond);
