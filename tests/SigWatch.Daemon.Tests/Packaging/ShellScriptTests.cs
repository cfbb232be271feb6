using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Packaging;

/// <summary>Every shell script we ship or run (build, install, uninstall, maintainer scripts, CI) passes shellcheck.</summary>
public sealed class ShellScriptTests
{
    [RequiresToolFact("shellcheck", "shellcheck")]
    public async Task EveryScript_PassesShellcheck()
    {
        var root = RepoPaths.Root;
        string[] named =
        [
            ".ci/run",
            "packaging/macos/scripts/preinstall",
            "packaging/macos/scripts/postinstall",
            "packaging/linux/debian/postinst",
            "packaging/linux/debian/prerm",
            "packaging/linux/debian/postrm",
        ];
        var scripts = named.Select(p => Path.Combine(root, p))
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "scripts"), "*.sh"))
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "packaging"), "*.sh", SearchOption.AllDirectories))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.All(scripts, s => Assert.True(File.Exists(s), s));
        Assert.Contains(scripts, s => s.EndsWith("build-pkg.sh", StringComparison.Ordinal));
        Assert.Contains(scripts, s => s.EndsWith("uninstall.sh", StringComparison.Ordinal));

        // -x -P SCRIPTDIR: follow each script's `source` relative to the script, as it runs.
        var result = await ExternalProgram.RunAsync("shellcheck", ["-x", "-P", "SCRIPTDIR", .. scripts], TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, $"shellcheck on {scripts.Count} scripts:\n{result}");
    }
}
