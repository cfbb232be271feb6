using System.Text.Json;
using SigWatch.Core.FileSystem;
using SigWatch.Platform;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>The seal through the real daemon: a sealed bundle arrives valid, then a resource changes under it.</summary>
public sealed class DaemonSealTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task NoStateKept_AFileWrittenInsideIsStillASealBreak_FoundByAFullWalk()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var built = new BundleBuilder("Lean.app").WithFile("Resources/license.txt", "MIT").Build(Directory.CreateDirectory(dir.Combine("staging")).FullName);
        await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart { QuietWindowSeconds = 0.3, Roots = [root], Arguments = ["--kept-state-files", "0"] });

        var app = Path.Combine(root, "Lean.app");
        Directory.Move(built, app);
        await daemon.PollJsonAsync(["show", app], j => j.GetProperty("bundle").GetProperty("latest").ValueKind == JsonValueKind.Object, s_wait);
        await File.WriteAllTextAsync(Path.Combine(app, "Contents", "Resources", "license.key"), "ABCD-1234");

        using var events = await daemon.PollJsonAsync(["events"], j => DaemonEndToEndTests.Events(j).Any(e => DaemonEndToEndTests.Kind(e) == "seal-broken"), s_wait);
        var broken = DaemonEndToEndTests.Events(events.RootElement).Single(e => DaemonEndToEndTests.Kind(e) == "seal-broken");
        Assert.Contains("Resources/license.key", broken.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SealedBundle_IsValid_ThenAFileWrittenInsideIsACriticalSealBrokenNamingIt()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var staging = Directory.CreateDirectory(dir.Combine("staging")).FullName;
        var built = new BundleBuilder("Sealed.app").WithFile("Resources/license.txt", "MIT").Build(staging);
        // A file inside still quarantined (ITMS-91109): the daemon diagnoses it as `check` does.
        ExtendedAttributes.Instance.Set(Path.Combine(built, "Contents", "Resources", "license.txt"), ExtendedAttributeNames.Quarantine, "0083;6723b9fa;Safari;"u8);
        await using var daemon = await DaemonProcess.StartAsync(dir, 0.3, root);

        var app = Path.Combine(root, "Sealed.app");
        Directory.Move(built, app);
        using (var shown = await daemon.PollJsonAsync(["show", app], j => j.GetProperty("bundle").GetProperty("latest").ValueKind == JsonValueKind.Object, s_wait))
        {
            var signature = shown.RootElement.GetProperty("bundle").GetProperty("latest").GetProperty("signature");
            Assert.True(signature.GetProperty("verdict").GetString() == "valid", signature.ToString());
            Assert.Equal("ad-hoc", signature.GetProperty("classification").GetString());
            Assert.Equal("com.example.sealed", signature.GetProperty("identifier").GetString());
            var diagnosis = Assert.Single(signature.GetProperty("diagnoses").EnumerateArray());
            Assert.Equal("quarantine-inside-bundle", diagnosis.GetProperty("kind").GetString());
            Assert.Equal(["Resources/license.txt"], diagnosis.GetProperty("paths").EnumerateArray().Select(p => p.GetString()));
        }

        // The app writes a licence file into its own bundle after install (USER-PROBLEMS.md row 3).
        await File.WriteAllTextAsync(Path.Combine(app, "Contents", "Resources", "license.key"), "ABCD-1234");
        using var events = await daemon.PollJsonAsync(["events"], j => DaemonEndToEndTests.Events(j).Any(e => DaemonEndToEndTests.Kind(e) == "seal-broken"), s_wait);
        var broken = DaemonEndToEndTests.Events(events.RootElement).Single(e => DaemonEndToEndTests.Kind(e) == "seal-broken");
        Assert.Equal("critical", broken.GetProperty("severity").GetString());
        Assert.Contains("Resources/license.key", broken.GetProperty("summary").GetString(), StringComparison.Ordinal);

        var human = await daemon.CliAsync("show", app);
        Assert.Contains("signature:      INVALID", human.Stdout, StringComparison.Ordinal);
        Assert.Contains("added-after-signing", human.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, await daemon.TerminateAsync());
    }

    [Fact]
    public async Task SignedAppWhoseExecutableIsTruncated_IsACriticalSealBrokenNamingTheDamage_NotAGoneSignature()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var staging = Directory.CreateDirectory(dir.Combine("staging")).FullName;
        var built = new BundleBuilder("Cut.app").WithFile("Resources/a.txt", "a").Build(staging);
        await using var daemon = await DaemonProcess.StartAsync(dir, 0.3, root);
        var app = Path.Combine(root, "Cut.app");
        Directory.Move(built, app);
        using (var first = await daemon.PollJsonAsync(["show", app], j => Latest(j).ValueKind == JsonValueKind.Object, s_wait))
        {
            Assert.Equal("valid", Latest(first.RootElement).GetProperty("signature").GetProperty("verdict").GetString());
        }

        // `truncate -s 1000` on the main executable: the Mach-O header survives, the signature does not.
        using (var executable = File.OpenWrite(Path.Combine(app, "Contents", "MacOS", "Cut")))
        {
            executable.SetLength(1000);
        }

        using var events = await daemon.PollJsonAsync(["events"], j => DaemonEndToEndTests.Events(j).Any(e => DaemonEndToEndTests.Kind(e) == "seal-broken"), s_wait);
        var broken = DaemonEndToEndTests.Events(events.RootElement).Single(e => DaemonEndToEndTests.Kind(e) == "seal-broken");
        var summary = broken.GetProperty("summary").GetString()!;
        Assert.Equal("critical", broken.GetProperty("severity").GetString());
        Assert.DoesNotContain("signature is gone", summary, StringComparison.Ordinal);
        Assert.Contains("malformed-signature MacOS/Cut: ", summary, StringComparison.Ordinal);
        Assert.Contains("the signature data is missing", summary, StringComparison.Ordinal);

        var human = await daemon.CliAsync("show", app);
        var line = human.Stdout.Split('\n').Single(l => l.TrimStart().StartsWith("signature:", StringComparison.Ordinal));
        Assert.StartsWith("signature:      INVALID", line.TrimStart(), StringComparison.Ordinal);
        Assert.Contains("the signature data is missing", line, StringComparison.Ordinal);
        Assert.Equal(0, await daemon.TerminateAsync());
    }

    [Fact]
    public async Task WatchedChange_OnlyTheReportedPathsAreReverified_AndTheResultMatchesAFullCheck()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var staging = Directory.CreateDirectory(dir.Combine("staging")).FullName;
        var builder = new BundleBuilder("Many.app").WithFramework("Kit");
        for (var i = 0; i < 200; i++)
        {
            builder.WithFile($"Resources/d{i / 20}/f{i}.txt", $"resource {i}");
        }

        var built = builder.Build(staging);
        await using var daemon = await DaemonProcess.StartAsync(dir, 0.3, root);
        var app = Path.Combine(root, "Many.app");
        Directory.Move(built, app);
        using (var first = await daemon.PollJsonAsync(["show", app], j => Latest(j).ValueKind == JsonValueKind.Object, s_wait))
        {
            var cost = Latest(first.RootElement).GetProperty("cost");
            Assert.False(cost.GetProperty("changesKnown").GetBoolean(), cost.ToString()); // first sight: everything
            Assert.True(cost.GetProperty("sealFullWalks").GetInt64() >= 1, cost.ToString());
        }

        // One sealed resource rewritten in place: the watcher names it, and only it is looked at again.
        var changed = Path.Combine(app, "Contents", "Resources", "d3", "f64.txt");
        await File.WriteAllTextAsync(changed, "tampered");
        using (var broken = await daemon.PollJsonAsync(["show", app], j => Verdict(j) == "invalid", s_wait))
        {
            var latest = Latest(broken.RootElement);
            var cost = latest.GetProperty("cost");
            Assert.True(cost.GetProperty("changesKnown").GetBoolean(), cost.ToString());
            Assert.Equal(0, cost.GetProperty("sealFullWalks").GetInt64());
            Assert.True(cost.GetProperty("sealRegionWalks").GetInt64() >= 1, cost.ToString());
            Assert.Equal(1, cost.GetProperty("filesHashed").GetInt64());
            var findings = latest.GetProperty("signature").GetProperty("findings").EnumerateArray()
                .Select(f => $"{f.GetProperty("kind").GetString()} {f.GetProperty("path").GetString()}").ToList();
            Assert.Equal(["file-modified Resources/d3/f64.txt"], findings);
        }

        var human = await daemon.CliAsync("show", app);
        Assert.Contains("examined:       1 changed path(s); seal: ", human.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 file(s) hashed", human.Stdout, StringComparison.Ordinal);

        // The offline check, which walks everything, agrees.
        var check = await Programs.RunCliAsync(["check", app]);
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("file-modified", check.Stdout, StringComparison.Ordinal);
        Assert.Contains("Resources/d3/f64.txt", check.Stdout, StringComparison.Ordinal);

        // Put back: valid again, still without walking the bundle whole.
        await File.WriteAllTextAsync(changed, "resource 64");
        using (var mended = await daemon.PollJsonAsync(["show", app], j => Verdict(j) == "valid", s_wait))
        {
            var cost = Latest(mended.RootElement).GetProperty("cost");
            Assert.Equal(0, cost.GetProperty("sealFullWalks").GetInt64());
        }

        Assert.Equal(0, await daemon.TerminateAsync());
    }

    // A write through a hard link whose other name is outside the bundle is reported by the kernel under that other name:
    // the watcher never names the bundle. The periodic reconcile (a full lstat walk with the digest cache) catches it.
    [Fact]
    public async Task WriteThroughAHardLinkFromOutside_UnseenByTheWatcher_CaughtByTheReconcile()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var staging = Directory.CreateDirectory(dir.Combine("staging")).FullName;
        var built = new BundleBuilder("Linked.app").WithFile("Resources/data.txt", "sealed").Build(staging);
        var environment = new Dictionary<string, string> { ["SIGWATCH_RECONCILEINTERVALMINUTES"] = "0.05" };
        await using var daemon = await DaemonProcess.StartAsync(dir, 0.3, environment, root);
        var app = Path.Combine(root, "Linked.app");
        Directory.Move(built, app);
        using (await daemon.PollJsonAsync(["show", app], j => Verdict(j) == "valid", s_wait))
        {
        }

        var outside = dir.Combine("outside-link");
        Assert.Equal(0, Link(Path.Combine(app, "Contents", "Resources", "data.txt"), outside));
        await File.WriteAllTextAsync(outside, "changed via the other name");
        using var broken = await daemon.PollJsonAsync(["show", app], j => Verdict(j) == "invalid", s_wait);
        var cost = Latest(broken.RootElement).GetProperty("cost");
        Assert.False(cost.GetProperty("changesKnown").GetBoolean(), cost.ToString());
        Assert.Equal(0, await daemon.TerminateAsync());
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link(string existing, string added);

    private static JsonElement Latest(JsonElement root) => root.GetProperty("bundle").GetProperty("latest");

    private static string? Verdict(JsonElement root) =>
        Latest(root) is { ValueKind: JsonValueKind.Object } latest && latest.TryGetProperty("signature", out var signature) && signature.ValueKind == JsonValueKind.Object
            ? signature.GetProperty("verdict").GetString()
            : null;
}
