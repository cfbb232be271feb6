using System.Diagnostics;
using Grpc.Core;
using SigWatch.Protos.V1;

namespace SigWatch.Load;

/// <summary>
/// The GetStatus benchmark: <c>clients</c> concurrent callers, each calling in a loop, sharing connections
/// <c>perConnection</c> to a connection (HTTP/2 multiplexing, as the CLI and any sane client does; the daemon limits
/// connections per uid). Latencies are measured per call after a warm-up; the daemon's RSS is sampled throughout.
/// </summary>
internal static class LoadRun
{
    public static async Task<LoadResult> RunAsync(string socketPath, int clients, int perConnection, TimeSpan warmup, TimeSpan duration)
    {
        var channels = Enumerable.Range(0, (clients + perConnection - 1) / perConnection).Select(_ => DaemonChannels.Open(socketPath)).ToList();
        try
        {
            var first = await new Protos.V1.SigWatch.SigWatchClient(channels[0]).GetStatusAsync(new GetStatusRequest()).ConfigureAwait(false);
            var pid = first.Pid;
            var before = ProcessSample.Of(pid);
            var maxRss = before?.RssBytes ?? 0;
            var latencies = new List<long>[clients];
            var errors = 0;
            string? firstError = null;
            var measuring = false;
            using var stop = new CancellationTokenSource();
            var callers = Enumerable.Range(0, clients).Select(i => Task.Run(async () =>
            {
                var client = new Protos.V1.SigWatch.SigWatchClient(channels[i / perConnection]);
                var mine = latencies[i] = new List<long>(1 << 16);
                var request = new GetStatusRequest();
                while (!stop.IsCancellationRequested)
                {
                    var start = Stopwatch.GetTimestamp();
                    try
                    {
                        await client.GetStatusAsync(request).ConfigureAwait(false);
                        if (Volatile.Read(ref measuring))
                        {
                            mine.Add(Stopwatch.GetTimestamp() - start);
                        }
                    }
                    catch (RpcException e)
                    {
                        if (Volatile.Read(ref measuring))
                        {
                            Interlocked.Increment(ref errors);
                            Interlocked.CompareExchange(ref firstError, $"{e.StatusCode}: {e.Status.Detail}", null);
                        }
                    }
                }
            })).ToArray();

            await Task.Delay(warmup).ConfigureAwait(false);
            Volatile.Write(ref measuring, true);
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                await Task.Delay(100).ConfigureAwait(false);
                maxRss = Math.Max(maxRss, ProcessSample.Of(pid)?.RssBytes ?? 0);
            }

            Volatile.Write(ref measuring, false);
            var elapsed = clock.Elapsed;
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(callers).ConfigureAwait(false);
            var all = latencies.SelectMany(l => l).Order().ToArray();
            var after = ProcessSample.Of(pid);
            return new LoadResult(
                clients, channels.Count, all.Length / elapsed.TotalSeconds,
                Milliseconds(Percentile(all, 0.50)), Milliseconds(Percentile(all, 0.99)), Milliseconds(all.Length == 0 ? 0 : all[^1]),
                errors, firstError, Megabytes(before?.RssBytes), Megabytes(maxRss), Megabytes(after?.RssBytes));
        }
        finally
        {
            foreach (var channel in channels)
            {
                channel.Dispose();
            }
        }
    }

    private static long Percentile(long[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static double Milliseconds(long ticks) => Math.Round(ticks * 1000.0 / Stopwatch.Frequency, 3);

    private static double? Megabytes(long? bytes) => bytes is { } b ? Math.Round(b / 1048576.0, 1) : null;
}

internal sealed record LoadResult(
    int Clients, int Connections, double RequestsPerSecond, double P50Ms, double P99Ms, double MaxMs, int Errors, string? FirstError,
    double? DaemonRssBeforeMb, double? DaemonRssMaxMb, double? DaemonRssAfterMb)
{
    public static string MarkdownHeader =>
        "| clients | connections | requests/s | p50 ms | p99 ms | max ms | errors | daemon RSS MB (before / max / after) |\n" +
        "|--:|--:|--:|--:|--:|--:|--:|--|";

    public string MarkdownRow =>
        FormattableString.Invariant(
            $"| {Clients} | {Connections} | {RequestsPerSecond:F0} | {P50Ms:F2} | {P99Ms:F2} | {MaxMs:F1} | {Errors} | {DaemonRssBeforeMb} / {DaemonRssMaxMb} / {DaemonRssAfterMb} |");
}
