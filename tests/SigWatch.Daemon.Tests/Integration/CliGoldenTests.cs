using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>
/// Every command's text (NO_COLOR, in a pipe) and JSON shape against golden files in <c>Golden/</c>, from one real
/// daemon watching a valid Developer ID app, a copy with a file added after signing and an unsigned app, made one
/// after another so ids are stable. What varies from run to run (the temp directory, times, pids, versions, sizes,
/// durations) is replaced by a placeholder after the command has laid out its text, so alignment is compared too.
/// Each JSON document's shape (every field's path and type) must match, and every field name must be documented in
/// docs/cli-json.md or docs/check-json.md. <c>SIGWATCH_UPDATE_GOLDEN=1</c> rewrites the files instead (review the diff).
/// </summary>
public sealed partial class CliGoldenTests
{
    private static readonly string s_goldenDirectory = Path.Combine(RepoPaths.Root, "tests", "SigWatch.Daemon.Tests", "Golden");
    private static readonly bool s_update = Environment.GetEnvironmentVariable("SIGWATCH_UPDATE_GOLDEN") == "1";

    [RealFixturesFact]
    public async Task EveryCommand_TextAndJsonShape_MatchTheGoldenFiles()
    {
        using var dir = new TempDirectory("golden");
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var source = Path.Combine(RepoPaths.RealFixtures, "sparkle-DevSignedApp", "DevSignedApp.app");
        await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart { QuietWindowSeconds = 0.3, Roots = [root] });

        var valid = Path.Combine(root, "Valid.app");
        TreeCopy.Copy(source, valid);
        await AssessedAsync(daemon, 1);
        var broken = Path.Combine(root, "Broken.app");
        TreeCopy.Copy(source, broken);
        File.WriteAllText(Path.Combine(broken, "Contents", "Resources", "added-after-signing.txt"), "x");
        await AssessedAsync(daemon, 2);
        var plain = Path.Combine(root, "Plain.app");
        AppTree.Create(plain, "com.example.plain");
        File.WriteAllText(Path.Combine(plain, "Contents", "MacOS", "Plain"), "#!/bin/sh\necho plain\n");
        await AssessedAsync(daemon, 3);

        var version = await RunAsync(["version", "--json", "--socket", daemon.Socket]);
        string cliVersion;
        using (var json = JsonDocument.Parse(version.Stdout))
        {
            cliVersion = json.RootElement.GetProperty("cli").GetProperty("version").GetString()!;
        }

        var normalizer = new Normalizer(dir.Path, cliVersion);
        var failures = new List<string>();
        async Task Golden(string name, string[] args, int exitCode, string doc)
        {
            string[] socket = args[0] == "check" ? [] : ["--socket", daemon.Socket];
            var text = await RunAsync([.. args, .. socket]);
            Assert.True(text.ExitCode == exitCode, $"{name}: {text}");
            Compare($"{name}.txt", normalizer.Apply(text.Stdout), failures);

            var json = await RunAsync([.. args, "--json", .. socket]);
            Assert.True(json.ExitCode == exitCode, $"{name} --json: {json}");
            using var parsed = JsonDocument.Parse(json.Stdout);
            var shape = Shape(parsed.RootElement);
            Compare($"{name}.shape.txt", string.Join('\n', shape) + "\n", failures);
            var documented = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", doc));
            foreach (var field in shape.Select(FieldName).Where(f => f != "$").Distinct(StringComparer.Ordinal))
            {
                if (!documented.Contains($"\"{field}\"", StringComparison.Ordinal) && !documented.Contains($"`{field}`", StringComparison.Ordinal))
                {
                    failures.Add($"{name} --json: field \"{field}\" is not documented in docs/{doc}");
                }
            }
        }

        await Golden("status", ["status"], 0, "cli-json.md");
        await Golden("list", ["list"], 0, "cli-json.md");
        await Golden("show", ["show", broken], 0, "cli-json.md");
        await Golden("events", ["events"], 0, "cli-json.md");
        // Exit 0: the service and agent checks are [?] (not the system socket; no agent as root), not failures.
        await Golden("doctor", ["doctor"], 0, "cli-json.md");
        await Golden("version", ["version"], 0, "cli-json.md");
        await Golden("check-bundle", ["check", broken], 1, "check-json.md");
        await Golden("check-macho", ["check", Path.Combine(valid, "Contents", "MacOS", "SignedApp")], 0, "check-json.md");
        var image = dir.Combine("Sparkle Test.dmg");
        File.Copy(Path.Combine(RepoPaths.RealFixtures, "sparkle-adhoc-signed-dmg", "SparkleTestCodeSign_apfs_lzma_aux_files.dmg"), image);
        await Golden("check-disk-image", ["check", image], 0, "check-json.md");
        var package = dir.Combine("test.pkg");
        File.Copy(Path.Combine(RepoPaths.RealFixtures, "sparkle-adhoc-signed-dmg", "test.pkg"), package);
        await Golden("check-installer-package", ["check", package], 1, "check-json.md");
        // Last: it queues work that adds nothing (the facts are the same) but moves assessment times.
        await Golden("rescan", ["rescan", valid], 0, "cli-json.md");

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    private static async Task AssessedAsync(DaemonProcess daemon, int count)
    {
        using var _ = await daemon.PollJsonAsync(["list"],
            j => j.GetProperty("bundles").GetArrayLength() == count
                && j.GetProperty("bundles").EnumerateArray().All(b => b.GetProperty("latest").ValueKind == JsonValueKind.Object),
            TimeSpan.FromSeconds(90));
    }

    private static Task<CliResult> RunAsync(string[] args)
    {
        var info = Programs.StartInfo(Programs.CliDll, args);
        info.Environment["NO_COLOR"] = "1";
        if (args[0] == "doctor" && Environment.IsPrivilegedProcess && File.Exists("/usr/bin/unshare"))
        {
            // doctor's agent check lists every "sigwatch agent" of this uid in /proc, and the agent tests run theirs as
            // root beside this one (a CI run saw one): in a PID namespace of its own, with its own /proc, doctor sees
            // only itself, as on a machine where no agent runs.
            string[] unshare = ["--pid", "--fork", "--mount-proc", info.FileName];
            for (var i = 0; i < unshare.Length; i++)
            {
                info.ArgumentList.Insert(i, unshare[i]);
            }

            info.FileName = "/usr/bin/unshare";
        }

        return ExternalProgram.RunAsync(info, TimeSpan.FromSeconds(60), $"sigwatch {string.Join(' ', args)}");
    }

    private static void Compare(string file, string actual, List<string> failures)
    {
        var path = Path.Combine(s_goldenDirectory, file);
        if (s_update)
        {
            Directory.CreateDirectory(s_goldenDirectory);
            File.WriteAllText(path, actual);
            return;
        }

        if (!File.Exists(path))
        {
            failures.Add($"{file}: no golden file (run with SIGWATCH_UPDATE_GOLDEN=1 and review it)\n{actual}");
            return;
        }

        var expected = File.ReadAllText(path).ReplaceLineEndings("\n");
        if (expected != actual)
        {
            failures.Add($"{file} differs from Golden/{file}:\n{FirstDifference(expected, actual)}");
        }
    }

    private static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (var i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            var left = i < e.Length ? e[i] : "<end>";
            var right = i < a.Length ? a[i] : "<end>";
            if (left != right)
            {
                return $"line {i + 1}\n  expected: {left}\n  actual:   {right}";
            }
        }

        return "(same lines)";
    }

    /// <summary>Every value's path and JSON type, one per line, sorted; array elements' shapes are merged under <c>[]</c>.</summary>
    internal static IReadOnlyList<string> Shape(JsonElement root)
    {
        var lines = new SortedSet<string>(StringComparer.Ordinal);
        void Walk(JsonElement element, string path)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    lines.Add($"{(path.Length == 0 ? "$" : path)}: object");
                    foreach (var property in element.EnumerateObject())
                    {
                        Walk(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}");
                    }

                    break;
                case JsonValueKind.Array:
                    lines.Add($"{path}: array");
                    foreach (var item in element.EnumerateArray())
                    {
                        Walk(item, path + "[]");
                    }

                    break;
                default:
                    lines.Add($"{path}: {element.ValueKind switch
                    {
                        JsonValueKind.String => "string",
                        JsonValueKind.Number => "number",
                        JsonValueKind.True or JsonValueKind.False => "boolean",
                        _ => "null",
                    }}");
                    break;
            }
        }

        Walk(root, string.Empty);
        return [.. lines];
    }

    /// <summary>The last property name of a shape line's path ("bundles[].latest.id: number" → "id"); "$" for the root.</summary>
    private static string FieldName(string shapeLine)
    {
        var path = shapeLine[..shapeLine.IndexOf(':', StringComparison.Ordinal)].Replace("[]", string.Empty, StringComparison.Ordinal);
        return path == "$" ? "$" : path[(path.LastIndexOf('.') + 1)..];
    }

    /// <summary>Replaces what differs between runs and machines with placeholders.</summary>
    private sealed partial class Normalizer(string directory, string cliVersion)
    {
        public string Apply(string text)
        {
            var s = text.ReplaceLineEndings("\n");
            s = s.Replace(directory, "<DIR>", StringComparison.Ordinal);
            s = s.Replace(cliVersion, "<VERSION>", StringComparison.Ordinal);
            s = s.Replace(RuntimeInformation.OSDescription, "<OS>", StringComparison.Ordinal);
            s = s.Replace(RuntimeInformation.RuntimeIdentifier, "<RID>", StringComparison.Ordinal);
            s = s.Replace($".NET {Environment.Version}", ".NET <RUNTIME>", StringComparison.Ordinal);
            s = Time().Replace(s, "<TIME>");
            s = Pid().Replace(s, "pid <PID>");
            s = Milliseconds().Replace(s, "<N> ms");
            s = Size().Replace(s, "<SIZE>");
            return s;
        }

        [GeneratedRegex(@"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")]
        private static partial Regex Time();

        [GeneratedRegex(@"pid \d+")]
        private static partial Regex Pid();

        [GeneratedRegex(@"\b\d+ ms\b")]
        private static partial Regex Milliseconds();

        [GeneratedRegex(@"\b\d+(\.\d)? (B|KiB|MiB|GiB)\b")]
        private static partial Regex Size();
    }
}
