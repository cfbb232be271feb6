using System.Text.Json;
using System.Xml.Linq;
using SigWatch.Core.Plist;
using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Packaging;

/// <summary>
/// The macOS package as CI can build it on Linux (issue 16): <c>build-pkg.sh --stage-only</c>'s payload trees, the
/// launchd plists and Distribution file they carry, every staged Mach-O checked by <c>sigwatch check</c>, and the
/// uninstaller run against a staged tree. pkgbuild, productbuild, codesign and launchctl run only on a Mac.
/// </summary>
[Collection(PackagingCollection.MacOS)]
public sealed class MacPackageTests(MacPackageStage stage) : IClassFixture<MacPackageStage>
{
    private static string Prefix => ProductNames.Get("MACOS_PREFIX");

    [LinuxRootFact("to stage the payload as root:wheel (uid 0, gid 0), as pkgbuild records it")]
    public async Task StageOnly_PayloadHoldsExactlyTheInstalledFiles_OwnedByRootWithInstallModes()
    {
        await stage.BuildAsync();
        foreach (var arch in MacPackageStage.Architectures)
        {
            var entries = await ListAsync(stage.Root(arch));
            // Top level: only what the package installs. (/usr/local/bin/sigwatch is made by postinstall.)
            Assert.Equal(
                ["Library", "Library/Application Support", "Library/Application Support/SigWatch", "Library/LaunchAgents", "Library/LaunchDaemons"],
                entries.Where(e => e.Kind == 'd' && !e.Path.StartsWith("Library/Application Support/SigWatch/", StringComparison.Ordinal)).Select(e => e.Path).Order(StringComparer.Ordinal));
            var prefix = Prefix.TrimStart('/');
            AssertEntry(entries, $"{prefix}/bin/sigwatchd/sigwatchd", 'f', "755");
            AssertEntry(entries, $"{prefix}/bin/sigwatch/sigwatch", 'f', "755");
            AssertEntry(entries, $"{prefix}/uninstall.sh", 'f', "755");
            AssertEntry(entries, $"Library/LaunchDaemons/{ProductNames.Get("DAEMON_LABEL")}.plist", 'f', "644");
            AssertEntry(entries, $"Library/LaunchAgents/{ProductNames.Get("AGENT_LABEL")}.plist", 'f', "644");
            Assert.Equal([$"{prefix}/bin", $"{prefix}/uninstall.sh"], entries
                .Where(e => e.Path.StartsWith(prefix + "/", StringComparison.Ordinal) && e.Path.Count(c => c == '/') == prefix.Count(c => c == '/') + 1)
                .Select(e => e.Path).Order(StringComparer.Ordinal));

            Assert.All(entries, e => Assert.True(e.Owner == "0:0", $"{arch}: {e.Path} is owned by {e.Owner}, not root:wheel"));
            Assert.All(entries.Where(e => e.Kind == 'd'), e => Assert.Equal("755", e.Mode));
            Assert.All(entries.Where(e => e.Kind == 'f'), e => Assert.Contains(e.Mode, new[] { "644", "755" }));
            Assert.DoesNotContain(entries, e => e.Kind is not ('f' or 'd'));
            Assert.DoesNotContain(entries, e => e.Path.EndsWith(".pdb", StringComparison.Ordinal));

            foreach (var script in new[] { "preinstall", "postinstall" })
            {
                var path = Path.Combine(stage.Scripts(arch), script);
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
                    File.GetUnixFileMode(path));
                Assert.DoesNotMatch("@[A-Z_]+@", File.ReadAllText(path));
                Assert.Contains(ProductNames.Get("DAEMON_LABEL"), File.ReadAllText(path), StringComparison.Ordinal);
            }

            Assert.True(File.Exists(Path.Combine(stage.Scripts(arch), "gui-users.sh")), "the scripts source gui-users.sh");
        }
    }

    [LinuxRootFact("to stage the payload as root:wheel")]
    public async Task StageOnly_EveryStagedMachO_IsValidlySignedAccordingToSigwatchCheck()
    {
        await stage.BuildAsync();
        foreach (var arch in MacPackageStage.Architectures)
        {
            var cpu = arch == "x64" ? "x86_64" : "arm64";
            var machos = Directory.EnumerateFiles(stage.Root(arch), "*", SearchOption.AllDirectories).Where(IsMachO).ToList();
            // Each app: its apphost and the runtime's native libraries (System.Native, ...), and SQLite's.
            Assert.True(machos.Count >= 10, $"{arch}: only {machos.Count} Mach-O files staged");
            Assert.Contains(stage.Staged(arch, Prefix + "/bin/sigwatchd/sigwatchd"), machos);
            Assert.Contains(stage.Staged(arch, Prefix + "/bin/sigwatch/sigwatch"), machos);
            // The two programs carry the same runtime libraries: each distinct file is checked once, two at a time.
            var distinct = machos.GroupBy(f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))).Select(g => g.First()).ToList();
            using var twoAtATime = new SemaphoreSlim(2);
            var checks = await Task.WhenAll(distinct.Select(async file =>
            {
                await twoAtATime.WaitAsync();
                try
                {
                    return (File: file, Result: await Programs.RunCliAsync(["check", "--json", file]));
                }
                finally
                {
                    twoAtATime.Release();
                }
            }));
            foreach (var (file, check) in checks)
            {
                using var json = JsonDocument.Parse(check.Stdout);
                if (arch == "x64" && Path.GetFileName(file) == "libe_sqlite3.dylib")
                {
                    // SQLitePCLRaw ships its x86_64 library without a signature (x86_64 loads unsigned code; the
                    // package's --sign-app step signs it); build-pkg.sh accepts exactly this, and only on x86_64.
                    Assert.Equal("unsigned", json.RootElement.GetProperty("verdict").GetString());
                    continue;
                }

                Assert.True(check.ExitCode == 0, $"{file}: {check}");
                Assert.Equal("valid", json.RootElement.GetProperty("verdict").GetString());
                var signature = json.RootElement.GetProperty("signature");
                // The SDK signs the apphosts ad hoc; Microsoft's libraries carry its Developer ID; SQLitePCLRaw's
                // libe_sqlite3 only the linker's ad-hoc signature. build-pkg.sh re-signs them all with ours.
                Assert.Contains(signature.GetProperty("classification").GetString(), new[] { "ad-hoc", "developer-id", "linker-signed" });
                Assert.All(signature.GetProperty("architectures").EnumerateArray(), a => Assert.Equal(cpu, a.GetProperty("cpu").GetString()));
            }
        }
    }

    [LinuxRootFact("to stage the payload as root:wheel")]
    public async Task LaunchDaemonPlist_AsStaged_CarriesWhatLaunchdNeedsAndPointsAtTheStagedDaemon()
    {
        await stage.BuildAsync();
        foreach (var arch in MacPackageStage.Architectures)
        {
            var plist = ReadDictionary(stage.Staged(arch, $"/Library/LaunchDaemons/{ProductNames.Get("DAEMON_LABEL")}.plist"));
            Assert.Equal(ProductNames.Get("DAEMON_LABEL"), plist.GetString("Label"));
            var program = Assert.Single(plist.GetArray("ProgramArguments")!.Cast<PlistString>()).Value;
            Assert.StartsWith(Prefix + "/bin/", program, StringComparison.Ordinal);
            Assert.True(IsMachO(stage.Staged(arch, program)), $"ProgramArguments[0] {program} is not a staged Mach-O");
            Assert.True(plist.GetBoolean("RunAtLoad"));
            Assert.False(plist.GetDictionary("KeepAlive")!.GetBoolean("SuccessfulExit"));
            Assert.Null(plist.GetString("UserName")); // root: it reads every user's Downloads
            Assert.Equal(Convert.ToInt64("077", 8), plist.GetInt64("Umask"));
            Assert.StartsWith(ProductNames.Get("MACOS_LOG_DIR") + "/", plist.GetString("StandardOutPath"), StringComparison.Ordinal);
            Assert.StartsWith(ProductNames.Get("MACOS_LOG_DIR") + "/", plist.GetString("StandardErrorPath"), StringComparison.Ordinal);
            // Above sigwatchd's own 15 s shutdown timeout, so launchd's SIGKILL never cuts a clean stop short.
            Assert.True(plist.GetInt64("ExitTimeOut") > 15);
        }
    }

    [LinuxRootFact("to stage the payload as root:wheel")]
    public async Task LaunchAgentPlist_AsStaged_RunsTheStagedCliAgentInEachGuiSession()
    {
        await stage.BuildAsync();
        foreach (var arch in MacPackageStage.Architectures)
        {
            var plist = ReadDictionary(stage.Staged(arch, $"/Library/LaunchAgents/{ProductNames.Get("AGENT_LABEL")}.plist"));
            Assert.Equal(ProductNames.Get("AGENT_LABEL"), plist.GetString("Label"));
            var arguments = plist.GetArray("ProgramArguments")!.Cast<PlistString>().Select(s => s.Value).ToList();
            Assert.Equal(Prefix + "/bin/sigwatch/sigwatch", arguments[0]);
            Assert.True(IsMachO(stage.Staged(arch, arguments[0])));
            Assert.Equal(["agent", "--log-file", "~/Library/Logs/SigWatch/agent.log"], arguments.Skip(1));
            Assert.Equal("Aqua", plist.GetString("LimitLoadToSessionType"));
            Assert.True(plist.GetBoolean("RunAtLoad"));
            Assert.False(plist.GetDictionary("KeepAlive")!.GetBoolean("SuccessfulExit"));
            Assert.Equal("Interactive", plist.GetString("ProcessType"));
            Assert.Equal(Convert.ToInt64("077", 8), plist.GetInt64("Umask"));
        }
    }

    [LinuxRootFact("to stage the payload as root:wheel")]
    public async Task DistributionFile_NamesTheComponentMinimumMacOSAndOneHostArchitecture()
    {
        await stage.BuildAsync();
        foreach (var arch in MacPackageStage.Architectures)
        {
            var host = arch == "x64" ? "x86_64" : "arm64";
            var doc = XDocument.Load(stage.Distribution(arch));
            var script = doc.Root!;
            Assert.Equal("installer-gui-script", script.Name.LocalName);
            Assert.Contains(ProductNames.Get("PRODUCT_NAME"), script.Element("title")!.Value, StringComparison.Ordinal);
            Assert.Equal(host, script.Element("options")!.Attribute("hostArchitectures")!.Value);
            Assert.Equal("false", script.Element("domains")!.Attribute("enable_anywhere")!.Value);
            Assert.Equal(ProductNames.Get("MACOS_MIN_VERSION"), script.Descendants("os-version").Single().Attribute("min")!.Value);
            var pkgRef = script.Elements("pkg-ref").Single(e => e.Value.Length > 0);
            Assert.Equal(ProductNames.Get("PKG_ID"), pkgRef.Attribute("id")!.Value);
            Assert.Equal($"{ProductNames.Get("PKG_ID")}-{host}.pkg", pkgRef.Value);
            Assert.Matches(@"^\d+\.\d+\.\d+", pkgRef.Attribute("version")!.Value);
        }
    }

    [LinuxRootFact("to stage the payload as root:wheel")]
    public async Task Uninstaller_RemovesEveryInstalledFile_AndKeepsTheDatabaseUnlessAskedToRemoveIt()
    {
        await stage.BuildAsync();
        using var mac = new TempDirectory();
        var copy = await ExternalProgram.RunAsync("cp", ["-a", stage.Root("arm64") + "/.", mac.Path], TimeSpan.FromSeconds(60));
        Assert.True(copy.ExitCode == 0, copy.ToString());
        // What postinstall and the daemon add on a Mac: the CLI link, the database and the logs.
        Directory.CreateDirectory(mac.Combine("usr", "local", "bin"));
        File.CreateSymbolicLink(mac.Combine("usr", "local", "bin", "sigwatch"), Prefix + "/bin/sigwatch/sigwatch");
        File.WriteAllText(mac.Combine("usr", "local", "bin", "other-tool"), "not ours");
        var state = mac.Path + ProductNames.Get("MACOS_STATE_DIR");
        var logs = mac.Path + ProductNames.Get("MACOS_LOG_DIR");
        Directory.CreateDirectory(state);
        Directory.CreateDirectory(logs);
        File.WriteAllText(Path.Combine(state, "sigwatch.db"), "database");
        File.WriteAllText(Path.Combine(logs, "sigwatchd-20261202.clef"), "log");
        var uninstall = mac.Path + Prefix + "/uninstall.sh";
        var env = new Dictionary<string, string> { ["SIGWATCH_UNINSTALL_ROOT"] = mac.Path };

        var kept = await ExternalProgram.RunAsync(uninstall, [], TimeSpan.FromSeconds(30), env);
        Assert.True(kept.ExitCode == 0, kept.ToString());
        Assert.False(Directory.Exists(mac.Path + Prefix + "/bin"));
        Assert.False(File.Exists(uninstall));
        Assert.False(File.Exists(mac.Combine("Library", "LaunchDaemons", ProductNames.Get("DAEMON_LABEL") + ".plist")));
        Assert.False(File.Exists(mac.Combine("Library", "LaunchAgents", ProductNames.Get("AGENT_LABEL") + ".plist")));
        Assert.False(Path.Exists(mac.Combine("usr", "local", "bin", "sigwatch")));
        Assert.True(File.Exists(mac.Combine("usr", "local", "bin", "other-tool")));
        Assert.Equal("database", File.ReadAllText(Path.Combine(state, "sigwatch.db")));
        Assert.True(File.Exists(Path.Combine(logs, "sigwatchd-20261202.clef")));
        Assert.Contains("stay", kept.Stdout, StringComparison.Ordinal);

        // The script is gone with the rest: run the staged copy again to remove the data.
        var again = mac.Combine("uninstall-again.sh");
        File.Copy(stage.Staged("arm64", Prefix + "/uninstall.sh"), again);
        var removed = await ExternalProgram.RunAsync(again, ["--remove-data"], TimeSpan.FromSeconds(30), env);
        Assert.True(removed.ExitCode == 0, removed.ToString());
        Assert.False(Directory.Exists(state));
        Assert.False(Directory.Exists(logs));
        Assert.False(Directory.Exists(mac.Path + Prefix));

        var wrong = await ExternalProgram.RunAsync(again, ["--everything"], TimeSpan.FromSeconds(30), env);
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("usage", wrong.Stderr, StringComparison.Ordinal);
    }

    private static PlistDictionary ReadDictionary(string path) =>
        Assert.IsType<PlistDictionary>(PropertyList.Read(File.ReadAllBytes(path)));

    private static bool IsMachO(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using var file = File.OpenRead(path);
        return file.Read(magic) == 4 && Convert.ToHexString(magic) is "CFFAEDFE" or "FEEDFACF" or "CAFEBABE" or "BEBAFECA";
    }

    private static void AssertEntry(IReadOnlyList<StagedEntry> entries, string path, char kind, string mode)
    {
        var entry = entries.SingleOrDefault(e => e.Path == path);
        Assert.True(entry is not null, $"{path} is not staged");
        Assert.Equal(kind, entry.Kind);
        Assert.Equal(mode, entry.Mode);
    }

    private static async Task<IReadOnlyList<StagedEntry>> ListAsync(string root)
    {
        // find's own lstat: owner uid:gid, mode, type — what pkgbuild records.
        var listing = await ExternalProgram.RunAsync("find", [root, "-mindepth", "1", "-printf", @"%U:%G %m %y %P\n"], TimeSpan.FromSeconds(30));
        Assert.True(listing.ExitCode == 0, listing.ToString());
        return listing.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', 4))
            .Select(p => new StagedEntry(p[3], p[2][0], p[1], p[0]))
            .ToList();
    }

    private sealed record StagedEntry(string Path, char Kind, string Mode, string Owner);
}
