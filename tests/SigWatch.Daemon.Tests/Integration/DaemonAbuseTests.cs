using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SigWatch.Protos.V1;
using SigWatch.TestSupport;
using Xunit.Abstractions;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>
/// The root daemon against a local user who means harm (issue 14): the real sigwatchd as root, the abuse coming from
/// sigwatch-load run as uid 65534 through setpriv, memory and descriptors read from /proc while it happens. Figures
/// are written to the test output; the bounds are the issue's.
/// </summary>
[Collection(DaemonAbuseTests.Serial)]
public sealed class DaemonAbuseTests(ITestOutputHelper output)
{
    /// <summary>These tests measure the daemon's memory: they must not run beside each other.</summary>
    public const string Serial = "daemon memory measurements";

    private const long MiB = 1024 * 1024;

    [LinuxRootFact("to connect as uid 65534 with setpriv and read the daemon's /proc entries")]
    public async Task Flood_TwentyThousandRefusedConnections_DaemonStaysBoundedAndKeepsAnsweringAdmittedClients()
    {
        using var dir = new TempDirectory();
        await using var daemon = await StartAsync(dir);
        await WarmUpAsync(daemon);

        FloodOutcome flood;
        ProberResult admitted;
        ProcessStats before, max, after;
        await using (var sampler = ProcessStats.Watch(daemon.Pid))
        await using (var prober = AdmittedProber.Start(daemon.Socket))
        {
            var run = await OtherUser.Nobody.RunLoadToolAsync("flood", "--socket", daemon.Socket, "--connections", "20000", "--concurrency", "32", "--hold", "8000");
            Assert.True(run.ExitCode == 0, run.ToString());
            flood = JsonSerializer.Deserialize<FloodOutcome>(run.Stdout)!;
            admitted = await prober.StopAsync();
            (before, max) = (sampler.Before, sampler.Max);
        }

        after = ProcessStats.Of(daemon.Pid);
        var logLines = daemon.CountOutputLines("Refused");
        output.WriteLine(FormattableString.Invariant(
            $"flood: {flood.Attempted} connections in {flood.ElapsedMs} ms ({flood.ConnectionsPerSecond:F0}/s), the last {flood.Held} held open by the client: {flood.Refused} refused, {flood.ClosedWithoutRefusal} closed silently, {flood.StillOpenAfterTimeout} held open, {flood.ConnectErrors} connect errors"));
        output.WriteLine(FormattableString.Invariant(
            $"daemon fds {before.OpenFiles} -> max {max.OpenFiles} -> {after.OpenFiles}; RSS {before.RssMegabytes:F1} -> max {max.RssMegabytes:F1} -> {after.RssMegabytes:F1} MB; refusal log lines since start {logLines}"));
        output.WriteLine(admitted.Describe());

        Assert.Equal(20_000, flood.Refused);
        Assert.Equal(0, flood.StillOpenAfterTimeout);
        Assert.Contains("PERMISSION_DENIED: uid 65534", flood.FirstRefusal, StringComparison.Ordinal);
        // Refused connections are closed in the accept loop: the daemon never holds more than a handful of them.
        Assert.True(max.OpenFiles - before.OpenFiles <= 16, $"fds grew from {before.OpenFiles} to {max.OpenFiles}");
        Assert.True(max.RssBytes - before.RssBytes < 50 * MiB, $"RSS grew from {before.RssMegabytes:F1} to {max.RssMegabytes:F1} MB");
        // The admitted client was served throughout: every call answered within its deadline, none refused. How fast
        // (the issue's p99 < 50 ms) is a speed target, measured by scripts/bench-daemon.sh beside a no-flood baseline,
        // not asserted here: on a shared CI machine a timing bound measures the machine.
        Assert.True(admitted.Errors == 0, admitted.Describe());
        Assert.True(admitted.Calls >= 100, admitted.Describe());
        // 20,210 refusals since the daemon started (with the warm-up): one line for the first refusal of uid 65534 in a
        // minute, one summing up the rest of that minute; a test that straddles a minute boundary can see two of each.
        Assert.InRange(logLines, 1, 4);
        Assert.Equal(0, await daemon.TerminateAsync());
    }

    [LinuxRootFact("to connect as uid 65534 with setpriv and read the daemon's /proc entries")]
    public async Task BigRequests_FiveHundredConcurrentFourMegabyteRequestsFromARefusedUid_AllRefusedBeforeBeingRead()
    {
        using var dir = new TempDirectory();
        await using var daemon = await StartAsync(dir);
        await WarmUpAsync(daemon);

        BigRequestsOutcome big;
        ProcessStats before, max;
        await using (var sampler = ProcessStats.Watch(daemon.Pid))
        {
            var run = await OtherUser.Nobody.RunLoadToolAsync("big-requests", "--socket", daemon.Socket, "--count", "500", "--bytes", (4 * MiB).ToString(CultureInfo.InvariantCulture));
            Assert.True(run.ExitCode == 0, run.ToString());
            big = JsonSerializer.Deserialize<BigRequestsOutcome>(run.Stdout)!;
            (before, max) = (sampler.Before, sampler.Max);
        }

        var after = ProcessStats.Of(daemon.Pid);
        output.WriteLine(FormattableString.Invariant(
            $"500 x 4 MiB Rescan requests from uid 65534: {big.Refused} refused with PERMISSION_DENIED, {big.SentCompletely} sent completely, at most {big.MaxBytesSent} bytes accepted by the socket"));
        output.WriteLine(FormattableString.Invariant(
            $"daemon RSS {before.RssMegabytes:F1} -> max {max.RssMegabytes:F1} -> {after.RssMegabytes:F1} MB; fds {before.OpenFiles} -> max {max.OpenFiles}"));

        Assert.Equal(500, big.Refused);
        Assert.Contains("PERMISSION_DENIED", big.FirstRefusal, StringComparison.Ordinal);
        // Nothing was read: a refused socket is closed in the accept loop, so only the kernel's socket buffer took bytes.
        Assert.Equal(0, big.SentCompletely);
        Assert.True(big.MaxBytesSent < 1 * MiB, $"{big.MaxBytesSent} bytes of one request were accepted");
        Assert.True(max.RssBytes - before.RssBytes < 50 * MiB, $"RSS grew from {before.RssMegabytes:F1} to {max.RssMegabytes:F1} MB");
        Assert.Equal(0, await daemon.TerminateAsync());
    }

    [LinuxRootFact("to connect as uid 65534 with setpriv and read the daemon's /proc entries")]
    public async Task Streams_AThousandNeverReadEventStreamsFromAnAdmittedUid_LimitsHoldAndMemoryIsBounded()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        // A backlog of events, so every stream that is admitted has something to send that is never read.
        for (var i = 0; i < 60; i++)
        {
            AppTree.Create(Path.Combine(root, $"App{i}.app"), $"com.example.app{i}");
        }

        await using var daemon = await StartAsync(dir, root, ["--allow-user", "65534"]);
        await daemon.PollJsonAsync(["events", "--limit", "100"], j => DaemonEndToEndTests.Events(j).Count() >= 60, TimeSpan.FromSeconds(60));
        await WarmUpAsync(daemon);

        StreamsOutcome streams;
        ProberResult admitted;
        ProcessStats before, max;
        await using (var sampler = ProcessStats.Watch(daemon.Pid))
        await using (var prober = AdmittedProber.Start(daemon.Socket))
        {
            var run = await OtherUser.Nobody.RunLoadToolAsync("streams", "--socket", daemon.Socket, "--count", "1000", "--per-connection", "16", "--hold-seconds", "5");
            Assert.True(run.ExitCode == 0, run.ToString());
            streams = JsonSerializer.Deserialize<StreamsOutcome>(run.Stdout)!;
            admitted = await prober.StopAsync();
            (before, max) = (sampler.Before, sampler.Max);
        }

        var after = ProcessStats.Of(daemon.Pid);
        output.WriteLine(JsonSerializer.Serialize(streams));
        output.WriteLine(FormattableString.Invariant(
            $"daemon RSS {before.RssMegabytes:F1} -> max {max.RssMegabytes:F1} -> {after.RssMegabytes:F1} MB; fds {before.OpenFiles} -> max {max.OpenFiles} -> {after.OpenFiles}"));
        output.WriteLine(admitted.Describe());

        // 8 streams per uid (MaxWatchersPerUser), 32 connections per uid (MaxConnectionsPerUser): the rest are refused.
        Assert.Equal(8, streams.Streaming);
        Assert.True(streams.ResourceExhausted > 0, JsonSerializer.Serialize(streams));
        Assert.Contains("MaxWatchersPerUser", streams.FirstResourceExhausted, StringComparison.Ordinal);
        Assert.True(streams.OtherFailures == 0, JsonSerializer.Serialize(streams));
        Assert.Equal(1000, streams.Streaming + streams.ResourceExhausted + streams.ConnectionRefusedOrUnavailable);
        Assert.True(max.RssBytes - before.RssBytes < 50 * MiB, $"RSS grew from {before.RssMegabytes:F1} to {max.RssMegabytes:F1} MB");
        Assert.True(admitted.Errors == 0 && admitted.Calls >= 50, admitted.Describe() + "\n" + daemon.Output);

        // The streams were released with their connections: the same user gets its 8 again.
        var again = await OtherUser.Nobody.RunLoadToolAsync("streams", "--socket", daemon.Socket, "--count", "10", "--per-connection", "16", "--hold-seconds", "0");
        Assert.Equal(8, JsonSerializer.Deserialize<StreamsOutcome>(again.Stdout)!.Streaming);
        Assert.Equal(0, await daemon.TerminateAsync());
    }

    private static Task<DaemonProcess> StartAsync(TempDirectory dir, string? root = null, IReadOnlyList<string>? arguments = null) =>
        DaemonProcess.StartAsync(dir, new DaemonStart
        {
            QuietWindowSeconds = 0.2,
            Roots = [root ?? Directory.CreateDirectory(dir.Combine("root")).FullName],
            Arguments = arguments ?? [],
        });

    /// <summary>
    /// Runs each path once (admitted calls, a refused connection) so that "before" is a daemon that has served,
    /// not one whose code has yet to be loaded: what grows after this is what the abuse costs.
    /// </summary>
    private static async Task WarmUpAsync(DaemonProcess daemon)
    {
        await using (var prober = AdmittedProber.Start(daemon.Socket))
        {
            await Task.Delay(500);
            await prober.StopAsync();
        }

        await OtherUser.Nobody.RunLoadToolAsync("flood", "--socket", daemon.Socket, "--connections", "200");
        await OtherUser.Nobody.RunLoadToolAsync("big-requests", "--socket", daemon.Socket, "--count", "10", "--bytes", "1048576");
        await Task.Delay(500);
    }

    /// <summary>An admitted client (this process, root) calling GetStatus in a loop, every 20th call on a new connection.</summary>
    private sealed class AdmittedProber : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task<ProberResult> _loop;

        private AdmittedProber(string socket) => _loop = Task.Run(() => LoopAsync(socket, _stop.Token));

        public static AdmittedProber Start(string socket) => new(socket);

        public async Task<ProberResult> StopAsync()
        {
            await _stop.CancelAsync();
            return await _loop;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                await StopAsync();
            }

            _stop.Dispose();
        }

        private static async Task<ProberResult> LoopAsync(string socket, CancellationToken stop)
        {
            var latencies = new List<double>();
            var errors = new List<string>();
            using var channel = TestChannel.For(socket);
            var client = new Protos.V1.SigWatch.SigWatchClient(channel);
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var clock = Stopwatch.StartNew();
                try
                {
                    if (i % 20 == 19)
                    {
                        using var fresh = TestChannel.For(socket);
                        await new Protos.V1.SigWatch.SigWatchClient(fresh).GetStatusAsync(new GetStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(10));
                    }
                    else
                    {
                        await client.GetStatusAsync(new GetStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(10));
                    }

                    latencies.Add(clock.Elapsed.TotalMilliseconds);
                }
                catch (global::Grpc.Core.RpcException e)
                {
                    errors.Add($"{e.StatusCode}: {e.Status.Detail}");
                }

                await Task.Delay(5, CancellationToken.None);
            }

            latencies.Sort();
            return new ProberResult(
                latencies.Count, errors.Count,
                latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(0.99 * latencies.Count) - 1)],
                latencies.Count == 0 ? 0 : latencies[^1],
                errors.FirstOrDefault());
        }
    }

    private sealed record ProberResult(int Calls, int Errors, double P99Milliseconds, double MaxMilliseconds, string? FirstError)
    {
        public string Describe() => FormattableString.Invariant(
            $"admitted client: {Calls} GetStatus calls (every 20th on a new connection), {Errors} errors, p99 {P99Milliseconds:F2} ms, max {MaxMilliseconds:F1} ms{(FirstError is null ? string.Empty : "; first error: " + FirstError)}");
    }

    // The JSON sigwatch-load prints (tests/SigWatch.Load): only what the assertions read.
    private sealed record FloodOutcome(int Attempted, int Held, int Refused, int ClosedWithoutRefusal, int StillOpenAfterTimeout, int ConnectErrors, string? FirstRefusal, long ElapsedMs, double ConnectionsPerSecond);

    private sealed record BigRequestsOutcome(int Requests, int Refused, int AnsweredOtherwise, int SentCompletely, long MaxBytesSent, string? FirstRefusal);

    private sealed record StreamsOutcome(int Requested, int Connections, int Streaming, int ResourceExhausted, int ConnectionRefusedOrUnavailable, int OtherFailures, string? FirstResourceExhausted, string? FirstOther);
}

[CollectionDefinition(DaemonAbuseTests.Serial, DisableParallelization = true)]
public sealed class DaemonAbuseCollection;
