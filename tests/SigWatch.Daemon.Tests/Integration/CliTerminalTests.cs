using System.Diagnostics;
using System.Text.Json;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>
/// The CLI on a real terminal: a tmux pane (a pseudo-terminal, 120 columns) runs the command and the test reads the
/// screen with its escape sequences (<c>capture-pane -e</c>) and the raw byte stream (<c>pipe-pane</c>). Colour appears
/// on a terminal and disappears with NO_COLOR or --no-color; check's progress is drawn on the terminal during a long
/// verification and gone from the screen when the report is printed.
/// </summary>
public sealed class CliTerminalTests
{
    private const string Esc = "\u001b[";

    [RequiresToolFact("tmux", "tmux")]
    public async Task List_OnATerminal_IsColoured_AndNoColorOrNoColorOptionTurnsItOff()
    {
        using var dir = new TempDirectory("tty");
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var plain = Path.Combine(root, "Plain.app");
        AppTree.Create(plain, "com.example.plain");
        File.WriteAllText(Path.Combine(plain, "Contents", "MacOS", "Plain"), "#!/bin/sh\necho plain\n");
        await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart { QuietWindowSeconds = 0.3, Roots = [root] });
        using (await daemon.PollJsonAsync(["list"], j => j.GetProperty("bundles").EnumerateArray()
                   .Any(b => b.GetProperty("latest").ValueKind == JsonValueKind.Object), TimeSpan.FromSeconds(60)))
        {
        }

        using var tmux = new Tmux(dir);
        var coloured = await tmux.RunAsync(["list", "--socket", daemon.Socket], environment: []);
        Assert.Contains("UNSIGNED", coloured.Screen, StringComparison.Ordinal);
        Assert.Contains(Esc, coloured.Screen, StringComparison.Ordinal);
        // The table's rules are drawn on a terminal (not in a pipe).
        Assert.Contains("───", coloured.Screen, StringComparison.Ordinal);

        var noColorEnv = await tmux.RunAsync(["list", "--socket", daemon.Socket], environment: [("NO_COLOR", "1")]);
        Assert.Contains("UNSIGNED", noColorEnv.Screen, StringComparison.Ordinal);
        Assert.DoesNotContain(Esc, noColorEnv.Screen, StringComparison.Ordinal);

        var noColorOption = await tmux.RunAsync(["list", "--no-color", "--socket", daemon.Socket], environment: []);
        Assert.Contains("UNSIGNED", noColorOption.Screen, StringComparison.Ordinal);
        Assert.DoesNotContain(Esc, noColorOption.Screen, StringComparison.Ordinal);
    }

    [RequiresToolFact("tmux", "tmux")]
    public async Task Check_LongVerificationOnATerminal_DrawsProgressThenClearsItBeforeTheReport()
    {
        using var dir = new TempDirectory("tty");
        var app = new BundleBuilder("Big.app").WithFile("Resources/big.bin", "x").Build(dir.Path);
        // 6 GiB that read as zeros without taking disk space: hashing them takes seconds, past the 1 s before progress shows.
        using (var handle = File.OpenHandle(Path.Combine(app, "Contents", "Resources", "big.bin"), FileMode.Open, FileAccess.Write))
        {
            RandomAccess.SetLength(handle, 6L << 30);
        }

        using var tmux = new Tmux(dir);
        var run = await tmux.RunAsync(["check", app], environment: []);

        Assert.Contains("files", run.Stream, StringComparison.Ordinal);
        Assert.Contains("%", run.Stream, StringComparison.Ordinal);
        Assert.Contains("Verdict: ", run.Screen, StringComparison.Ordinal);
        Assert.Contains("file-modified", run.Screen, StringComparison.Ordinal);
        Assert.DoesNotContain("0/1 files", run.Screen, StringComparison.Ordinal);
        Assert.DoesNotContain("1/1 files", run.Screen, StringComparison.Ordinal);
    }

    /// <summary>A private tmux server (its own socket) whose panes run the CLI and stay open until read.</summary>
    private sealed class Tmux(TempDirectory dir) : IDisposable
    {
        private readonly string _socket = dir.Combine("tmux.sock");
        private int _runs;

        public async Task<(string Screen, string Stream)> RunAsync(string[] args, (string Name, string Value)[] environment)
        {
            var session = $"s{++_runs}";
            var done = dir.Combine($"{session}.done");
            var stream = dir.Combine($"{session}.stream");
            var env = string.Join(' ', environment.Select(e => $"{e.Name}={Quote(e.Value)}"));
            var command = $"env -u NO_COLOR TERM=xterm-256color {env} {Quote(Programs.DotnetHost)} exec {Quote(Programs.CliDll)} "
                + $"{string.Join(' ', args.Select(Quote))}; touch {Quote(done)}; sleep 600";
            await TmuxAsync("new-session", "-d", "-x", "120", "-y", "50", "-s", session, "sh", "-c", command);
            await TmuxAsync("pipe-pane", "-t", session, "-o", $"cat >> {Quote(stream)}");
            var clock = Stopwatch.StartNew();
            while (!File.Exists(done))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120), $"sigwatch {string.Join(' ', args)} did not finish in the tmux pane");
                await Task.Delay(100);
            }

            var screen = (await TmuxAsync("capture-pane", "-p", "-e", "-J", "-S", "-", "-t", session)).Stdout;
            await TmuxAsync("kill-session", "-t", session);
            return (screen, File.Exists(stream) ? await File.ReadAllTextAsync(stream) : string.Empty);
        }

        public void Dispose()
        {
            try
            {
                using var kill = Process.Start(new ProcessStartInfo("tmux", ["-S", _socket, "kill-server"]) { RedirectStandardError = true });
                kill?.WaitForExit(5000);
            }
            catch (System.ComponentModel.Win32Exception)
            {
            }
        }

        private async Task<CliResult> TmuxAsync(params string[] args)
        {
            var result = await ExternalProgram.RunAsync("tmux", ["-S", _socket, .. args], TimeSpan.FromSeconds(30));
            Assert.True(result.ExitCode == 0, $"tmux {string.Join(' ', args)}: {result}");
            return result;
        }

        private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}
