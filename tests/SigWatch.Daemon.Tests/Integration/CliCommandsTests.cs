using System.Text.Json;
using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>
/// The CLI commands admins and scripts rely on (issue 17), against the real daemon: list with verdicts, problems
/// first, and its filters; version; doctor's checks and exit status; an unknown root is an error.
/// </summary>
public sealed class CliCommandsTests
{
    [RealFixturesFact]
    public async Task List_ShowsEachBundlesVerdict_ProblemsFirst_AndFiltersByVerdictTeamAndSearch()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var valid = Path.Combine(root, "Valid.app");
        TreeCopy.Copy(Path.Combine(RepoPaths.RealFixtures, "sparkle-DevSignedApp", "DevSignedApp.app"), valid);
        var broken = Path.Combine(root, "Broken.app");
        TreeCopy.Copy(Path.Combine(RepoPaths.RealFixtures, "sparkle-DevSignedApp", "DevSignedApp.app"), broken);
        File.WriteAllText(Path.Combine(broken, "Contents", "Resources", "added-after-signing.txt"), "x");
        var unsigned = Path.Combine(root, "Plain.app");
        AppTree.Create(unsigned, "com.example.plain");
        // A script as the main executable: not Mach-O code, so unsigned (AppTree's stub header would be damaged code).
        File.WriteAllText(Path.Combine(unsigned, "Contents", "MacOS", "Plain"), "#!/bin/sh\necho plain\n");

        await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart { QuietWindowSeconds = 0.3, Roots = [root] });
        using var all = await daemon.PollJsonAsync(["list"],
            j => j.GetProperty("bundles").GetArrayLength() == 3
                && j.GetProperty("bundles").EnumerateArray().All(b => b.GetProperty("latest").ValueKind == JsonValueKind.Object),
            TimeSpan.FromSeconds(90));
        // Problems first: the broken seal, then the unsigned app, then the valid one.
        Assert.Equal([broken, unsigned, valid], all.RootElement.GetProperty("bundles").EnumerateArray().Select(b => b.GetProperty("path").GetString()));

        var text = await daemon.CliAsync("list");
        Assert.Equal(0, text.ExitCode);
        var lines = text.Stdout.Split('\n');
        Assert.True(lines.Length > 3, text.Stdout);
        Assert.Contains(lines, l => l.Contains("INVALID", StringComparison.Ordinal) && l.Contains(broken, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("UNSIGNED", StringComparison.Ordinal) && l.Contains(unsigned, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("VALID", StringComparison.Ordinal) && !l.Contains("INVALID", StringComparison.Ordinal) && l.Contains(valid, StringComparison.Ordinal));
        Assert.DoesNotContain("\u001b[", text.Stdout, StringComparison.Ordinal); // no colour in a pipe

        Assert.Equal([unsigned], await PathsAsync(daemon, "list", "--unsigned"));
        Assert.Equal([broken], await PathsAsync(daemon, "list", "--verdict", "invalid"));
        var team = all.RootElement.GetProperty("bundles")[2].GetProperty("latest").GetProperty("signature").GetProperty("teamId").GetString()!;
        Assert.Equal([broken, valid], await PathsAsync(daemon, "list", "--team", team));
        Assert.Equal([unsigned], await PathsAsync(daemon, "list", "--search", "PLAIN"));
        Assert.Equal([unsigned], await PathsAsync(daemon, "list", "--identifier", "com.example.plain"));

        var none = await daemon.CliAsync("list", "--verdict", "valid", "--search", "nothing-like-this");
        Assert.Equal(0, none.ExitCode);
        Assert.Contains("No bundle matches (of 3 known)", none.Stdout, StringComparison.Ordinal);

        var unknownRoot = await daemon.CliAsync("list", "--root", dir.Combine("not-a-root"));
        Assert.Equal(2, unknownRoot.ExitCode);
        Assert.Contains("is not a root the daemon watches", unknownRoot.Stderr, StringComparison.Ordinal);
        Assert.Contains(root, unknownRoot.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VersionAndDoctor_AgainstAHealthyDaemon_SayTheSameBuildAndFindNoProblem()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart { QuietWindowSeconds = 0.3, Roots = [root] });

        var version = await daemon.CliAsync("version", "--json");
        Assert.Equal(0, version.ExitCode);
        using (var json = JsonDocument.Parse(version.Stdout))
        {
            var cli = json.RootElement.GetProperty("cli").GetProperty("version").GetString()!;
            Assert.Contains('+', cli); // written as is, not \u002B
            Assert.Contains("+", version.Stdout, StringComparison.Ordinal);
            Assert.Equal(cli, json.RootElement.GetProperty("daemon").GetProperty("version").GetString());
            Assert.True(json.RootElement.GetProperty("daemon").GetProperty("sameBuild").GetBoolean());
        }

        var doctor = await daemon.CliAsync("doctor");
        Assert.True(doctor.ExitCode == 0, doctor.ToString());
        Assert.Contains($"[+] socket {daemon.Socket}", doctor.Stdout, StringComparison.Ordinal);
        Assert.Contains($"[+] root {root}: watching", doctor.Stdout, StringComparison.Ordinal);
        Assert.Contains($"[+] database {daemon.DatabasePath}: integrity ok (checked ", doctor.Stdout, StringComparison.Ordinal);
        Assert.Contains("[+] log directory ", doctor.Stdout, StringComparison.Ordinal);
        Assert.Contains("[+] sigwatch and sigwatchd are the same build", doctor.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("[-]", doctor.Stdout, StringComparison.Ordinal);

        using var doctorJson = JsonDocument.Parse((await daemon.CliAsync("doctor", "--json")).Stdout);
        Assert.True(doctorJson.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal(["service", "socket", "connection", "root", "database", "logs", "versions", "agent"],
            doctorJson.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Doctor_WhenTheDaemonCannotWriteItsLogs_FailsOnTheLogDirectoryWithTheReason()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart { QuietWindowSeconds = 0.3, Roots = [root] });
        var logs = dir.Combine("logs");
        Directory.Move(logs, dir.Combine("logs.moved"));
        File.WriteAllText(logs, "a file where the log directory was");

        var doctor = await daemon.CliAsync("doctor");

        Assert.True(doctor.ExitCode == 1, doctor.ToString());
        Assert.Contains($"[-] log directory {logs}: the daemon cannot write there: ", doctor.Stdout, StringComparison.Ordinal);
        Assert.Contains("[+] database ", doctor.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 problem(s) found.", doctor.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_WithoutADaemon_FailsOnTheSocketWithARemedy_AndUnreachableMessagesPointAtIt()
    {
        using var dir = new TempDirectory();
        var socket = dir.Combine("run", "nothing.sock");
        var doctor = await Programs.RunCliAsync(["doctor", "--socket", socket]);
        Assert.Equal(1, doctor.ExitCode);
        Assert.Contains($"[-] no socket at {socket}", doctor.Stdout, StringComparison.Ordinal);
        Assert.Contains("--socket PATH or SIGWATCH_SOCKET", doctor.Stdout, StringComparison.Ordinal);

        var status = await Programs.RunCliAsync(["status", "--socket", socket]);
        Assert.Equal(3, status.ExitCode);
        Assert.EndsWith("Run `sigwatch doctor` to find out why.", status.Stderr.TrimEnd(), StringComparison.Ordinal);

        // version still answers for the CLI itself.
        var version = await Programs.RunCliAsync(["version", "--socket", socket]);
        Assert.Equal(0, version.ExitCode);
        Assert.StartsWith("sigwatch  ", version.Stdout, StringComparison.Ordinal);
        Assert.Contains("sigwatch doctor", version.Stdout, StringComparison.Ordinal);
    }

    [RootFact]
    public async Task Doctor_AsARefusedUser_NamesTheRuleThatRefusedIt()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart { QuietWindowSeconds = 0.3, Roots = [root] });
        var doctor = await OtherUser.Nobody.RunCliAsync("doctor", "--socket", daemon.Socket);
        Assert.Equal(1, doctor.ExitCode);
        Assert.Contains("[-] sigwatchd at", doctor.Stdout, StringComparison.Ordinal);
        Assert.Contains("refuses you (uid 65534)", doctor.Stdout, StringComparison.Ordinal);
        Assert.Contains("--allow-user", doctor.Stdout, StringComparison.Ordinal);
    }

    private static async Task<IReadOnlyList<string?>> PathsAsync(DaemonProcess daemon, params string[] args)
    {
        var result = await daemon.CliAsync([.. args, "--json"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        return [.. json.RootElement.GetProperty("bundles").EnumerateArray().Select(b => b.GetProperty("path").GetString())];
    }
}
