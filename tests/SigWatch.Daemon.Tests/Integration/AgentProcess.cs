using System.Diagnostics;
using System.Text;
using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>
/// The real <c>sigwatch agent</c> as a child process (optionally as another user), with a recording <c>notify-send</c>
/// first on its PATH: a script that appends its argv to a file, one line per notification, fields separated by U+001F.
/// </summary>
internal sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private AgentProcess(Process process, string notifications)
    {
        _process = process;
        NotificationsFile = notifications;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_log)
                {
                    _log.AppendLine(e.Data);
                }
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    public string NotificationsFile { get; }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>A directory holding the recording notify-send; notifications go to <paramref name="notifications"/>.</summary>
    public static string RecordingNotifySend(TempDirectory dir)
    {
        var bin = Directory.CreateDirectory(dir.Combine("bin")).FullName;
        var script = Path.Combine(bin, "notify-send");
        File.WriteAllText(script, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\037' \"$a\"; done >> \"$SIGWATCH_TEST_NOTIFY_LOG\"\nprintf '\\n' >> \"$SIGWATCH_TEST_NOTIFY_LOG\"\n");
        File.SetUnixFileMode(script, (UnixFileMode)Convert.ToInt32("755", 8));
        return bin;
    }

    /// <summary>Starts the agent and waits until it follows the daemon's events.</summary>
    /// <param name="executable">An installed sigwatch (e.g. the Debian package's Native AOT /usr/bin/sigwatch); null: the build's sigwatch.dll.</param>
    public static async Task<AgentProcess> StartAsync(string socket, string stateDir, string notifications, string bin, OtherUser? user = null,
        IReadOnlyDictionary<string, string>? environment = null, string? executable = null, params string[] arguments)
    {
        string[] window = arguments.Contains("--burst-window") ? [] : ["--burst-window", "0.3"];
        string[] agentArguments = ["agent", "--socket", socket, "--state-dir", stateDir, .. window, .. arguments];
        var info = executable is null ? Programs.StartInfo(Programs.CliDll, agentArguments) : new ProcessStartInfo(executable, agentArguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        info.Environment["SIGWATCH_TEST_NOTIFY_LOG"] = notifications;
        info.Environment.Remove("DBUS_SESSION_BUS_ADDRESS");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        if (user is not null)
        {
            info = user.Wrap(info);
        }

        var agent = new AgentProcess(Process.Start(info)!, notifications);
        await agent.WaitForLogAsync("following sigwatchd", 1);
        return agent;
    }

    /// <summary>The notifications posted so far: each the notifier's argv.</summary>
    public IReadOnlyList<string[]> Notifications() =>
        File.Exists(NotificationsFile)
            ? [.. File.ReadAllLines(NotificationsFile).Where(l => l.Length > 0).Select(l => l.TrimEnd('\u001f').Split('\u001f'))]
            : [];

    public async Task<IReadOnlyList<string[]>> WaitForNotificationsAsync(int count, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < (timeout ?? TimeSpan.FromSeconds(30)))
        {
            if (Notifications().Count >= count)
            {
                return Notifications();
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{count} notification(s) expected, {Notifications().Count} posted; agent log:\n{Log}");
    }

    public async Task WaitForLogAsync(string text, int occurrences, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < (timeout ?? TimeSpan.FromSeconds(30)))
        {
            if (CountLog(text) >= occurrences)
            {
                return;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the agent exited with {_process.ExitCode}:\n{Log}");
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"'{text}' ×{occurrences} not in the agent's log:\n{Log}");
    }

    public int CountLog(string text) => Log.Split('\n').Count(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>SIGKILL: no cleanup runs.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
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
