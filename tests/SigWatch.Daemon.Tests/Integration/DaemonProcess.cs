using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>
/// The real sigwatchd as a child process with its own root, state directory and socket in a
/// temporary directory. Output is captured for failure messages.
/// </summary>
internal sealed class DaemonProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private DaemonProcess(Process process, string socket, string stateDir)
    {
        _process = process;
        Socket = socket;
        StateDir = stateDir;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Socket { get; }

    public string StateDir { get; }

    public string DatabasePath => Path.Combine(StateDir, "sigwatch.db");

    /// <summary>Lines the daemon has written to stdout/stderr that contain <paramref name="text"/>.</summary>
    public int CountOutputLines(string text) =>
        Output.Split('\n').Count(line => line.Contains(text, StringComparison.Ordinal));

    public int Pid => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>Starts sigwatchd and waits until its socket answers.</summary>
    public static Task<DaemonProcess> StartAsync(TempDirectory dir, double quietWindowSeconds = 1.0, params string[] roots) =>
        StartAsync(dir, quietWindowSeconds, new Dictionary<string, string>(), roots);

    public static Task<DaemonProcess> StartAsync(TempDirectory dir, double quietWindowSeconds, IReadOnlyDictionary<string, string> environment, params string[] roots) =>
        StartAsync(dir, new DaemonStart { QuietWindowSeconds = quietWindowSeconds, Environment = environment, Roots = roots });

    /// <summary>Starts sigwatchd with everything <paramref name="start"/> says and waits until its socket answers.</summary>
    public static async Task<DaemonProcess> StartAsync(TempDirectory dir, DaemonStart start)
    {
        var socket = dir.Combine("run", "d.sock");
        var state = start.StateDir ?? dir.Combine("state");
        var args = new List<string> { "--state-dir", state, "--socket", socket, "--quiet-window", start.QuietWindowSeconds.ToString(CultureInfo.InvariantCulture) };
        foreach (var root in start.Roots)
        {
            args.AddRange(["--root", root]);
        }

        args.AddRange(start.Arguments);
        if (!start.Arguments.Contains("--log-dir"))
        {
            // Each test daemon logs into its own directory (as root the default would be the shared /var/log/sigwatch).
            args.AddRange(["--log-dir", dir.Combine("logs")]);
        }

        var info = Programs.StartInfo(start.Executable ?? Programs.Daemon, args);
        foreach (var (name, value) in start.Environment)
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start sigwatchd");
        process.StandardInput.Close();
        var daemon = new DaemonProcess(process, socket, state);
        await daemon.WaitUntilListeningAsync(TimeSpan.FromSeconds(30));
        return daemon;
    }

    private async Task WaitUntilListeningAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"sigwatchd exited with {_process.ExitCode} before listening:\n{Output}");
            }

            if (File.Exists(Socket))
            {
                try
                {
                    using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await probe.ConnectAsync(new UnixDomainSocketEndPoint(Socket));
                    return;
                }
                catch (SocketException)
                {
                }
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"sigwatchd did not listen on {Socket} within {timeout}:\n{Output}");
    }

    public Task<CliResult> CliAsync(params string[] args) => Programs.RunCliAsync([.. args, "--socket", Socket]);

    /// <summary>Runs a CLI command with --json until <paramref name="condition"/> holds for its output (bounded).</summary>
    public async Task<JsonDocument> PollJsonAsync(string[] args, Func<JsonElement, bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        CliResult? last = null;
        while (clock.Elapsed < timeout)
        {
            last = await CliAsync([.. args, "--json"]);
            if (last.ExitCode == 0)
            {
                var doc = JsonDocument.Parse(last.Stdout);
                if (condition(doc.RootElement))
                {
                    return doc;
                }

                doc.Dispose();
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"condition not met within {timeout} for `sigwatch {string.Join(' ', args)} --json`; last: {last}\ndaemon output:\n{Output}");
    }

    /// <summary>Sends SIGTERM (as launchd and systemd do) and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan? timeout = null)
    {
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!)
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"sigwatchd did not exit after SIGTERM:\n{Output}");
        }

        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown code runs (a crash).</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}

/// <summary>How to start a test daemon.</summary>
internal sealed record DaemonStart
{
    public double QuietWindowSeconds { get; init; } = 1.0;

    public IReadOnlyList<string> Roots { get; init; } = [];

    /// <summary>Null: a "state" directory in the test's temporary directory.</summary>
    public string? StateDir { get; init; }

    /// <summary>More sigwatchd options, e.g. --log-dir, --workers.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>An installed sigwatchd (e.g. the Debian package's Native AOT one); null: <see cref="Programs.Daemon"/>.</summary>
    public string? Executable { get; init; }
}
