using System.Text.Json;
using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>
/// One pipeline: what `sigwatch check --json` says of a bundle is what the daemon stored for it, field by field, on every
/// real fixture bundle and on mutated copies (the seal matrix: added, modified, removed, Info.plist edited, executable
/// appended to, nested code tampered with).
/// </summary>
public sealed class DaemonCheckAgreementTests
{
    private static readonly (string Fixture, string Bundle)[] s_fixtures =
    [
        ("sparkle-DevSignedApp", "DevSignedApp.app"),
        ("sparkle-2.6.3-framework-devid", "Sparkle.framework"),
        ("dash-GZIP-framework-devid", "GZIP.framework"),
        ("growl-1.3-framework-mas-submission", "Growl.framework"),
        ("fastlane-ios-app-bundles", "simulator-app.app"),
        ("fastlane-ios-app-bundles", "very-capable-app.app"),
        ("sparkle-SUUpdateValidatorTest-bundles", "CodeSignedBoth.bundle"),
        ("sparkle-SUUpdateValidatorTest-bundles", "CodeSignedOnlyNew.bundle"),
        ("sparkle-SUUpdateValidatorTest-bundles", "CodeSignedOldED.bundle"),
        ("sparkle-SUUpdateValidatorTest-bundles", "CodeSignedInvalid.bundle"),
        ("sparkle-SUUpdateValidatorTest-bundles", "CodeSignedInvalidOnly.bundle"),
        ("sparkle-SUUpdateValidatorTest-bundles", "None.bundle"),
    ];

    private static readonly (string Name, Action<string> Mutate)[] s_mutations =
    [
        ("Added", app => File.WriteAllText(Path.Combine(app, "Contents", "Resources", "license.txt"), "x")),
        ("AppleDouble", app => File.WriteAllText(Path.Combine(app, "Contents", "Resources", "._Info.plist"), "x")),
        ("Modified", app => File.AppendAllText(Directory.GetFiles(Path.Combine(app, "Contents", "Resources"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First(), "x")),
        ("Removed", app => File.Delete(Directory.GetFiles(Path.Combine(app, "Contents", "Resources"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First())),
        ("InfoPlist", app => File.AppendAllText(Path.Combine(app, "Contents", "Info.plist"), " ")),
        ("Appended", app => File.AppendAllText(Path.Combine(app, "Contents", "MacOS", "SignedApp"), "x")),
        ("Truncated", app =>
        {
            using var executable = File.OpenWrite(Path.Combine(app, "Contents", "MacOS", "SignedApp"));
            executable.SetLength(1000);
        }),
    ];

    [RealFixturesFact]
    public async Task CheckJson_EqualsTheDaemonsStoredAssessment_ForEveryRealFixtureBundleAndEverySealMutation()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var staging = Directory.CreateDirectory(dir.Combine("staging")).FullName;
        var bundles = new List<string>();
        foreach (var (fixture, bundle) in s_fixtures)
        {
            // The daemon finds *.app directories; the layout, not the name, decides how a bundle is verified.
            var copy = Path.Combine(staging, fixture);
            if (!Directory.Exists(copy))
            {
                TreeCopy.Copy(Path.Combine(RepoPaths.RealFixtures, fixture), copy);
            }

            var target = Path.Combine(root, Path.GetFileNameWithoutExtension(bundle) + ".app");
            TreeCopy.Copy(Path.Combine(copy, bundle), target);
            bundles.Add(target);
        }

        foreach (var (name, mutate) in s_mutations)
        {
            var target = Path.Combine(root, $"Mut{name}.app");
            TreeCopy.Copy(Path.Combine(RepoPaths.RealFixtures, "sparkle-DevSignedApp", "DevSignedApp.app"), target);
            mutate(target);

            bundles.Add(target);
        }

        await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart { QuietWindowSeconds = 0.3, Roots = [root] });
        using var listed = await daemon.PollJsonAsync(["list"],
            j => j.GetProperty("bundles").GetArrayLength() == bundles.Count
                && j.GetProperty("bundles").EnumerateArray().All(b => b.GetProperty("latest").ValueKind == JsonValueKind.Object),
            TimeSpan.FromSeconds(90));

        foreach (var bundle in bundles)
        {
            using var shown = await daemon.PollJsonAsync(["show", bundle], _ => true, TimeSpan.FromSeconds(30));
            var stored = shown.RootElement.GetProperty("bundle").GetProperty("latest");
            var check = await Programs.RunCliAsync(["check", bundle, "--json"], TimeSpan.FromSeconds(60));
            using var checkDoc = JsonDocument.Parse(check.Stdout);
            AssertAgree(Path.GetFileName(bundle), checkDoc.RootElement, stored);
        }

        Assert.Equal(0, await daemon.TerminateAsync());
    }

    private static void AssertAgree(string name, JsonElement check, JsonElement stored)
    {
        var daemon = stored.GetProperty("signature");
        var signature = check.GetProperty("signature");
        Assert.True(check.GetProperty("verdict").GetString() == daemon.GetProperty("verdict").GetString(), $"{name}: verdict");
        if (signature.ValueKind == JsonValueKind.Object)
        {
            Assert.True(signature.GetProperty("classification").GetString() == daemon.GetProperty("classification").GetString(), $"{name}: classification");
            Assert.True(signature.GetProperty("identifier").GetString() == daemon.GetProperty("identifier").GetString(), $"{name}: identifier");
            Assert.True(signature.GetProperty("teamId").GetString() == daemon.GetProperty("teamId").GetString(), $"{name}: team");
            Assert.True(signature.GetProperty("hardenedRuntime").GetBoolean() == daemon.GetProperty("hardenedRuntime").GetBoolean(), $"{name}: hardened runtime");
            var cdhash = signature.GetProperty("architectures").EnumerateArray()
                .Select(a => a.GetProperty("cdhash").GetString()).FirstOrDefault(c => c is not null);
            Assert.True(cdhash == daemon.GetProperty("cdhash").GetString(), $"{name}: cdhash");
            Assert.True(signature.GetProperty("designatedRequirement").GetString() == daemon.GetProperty("designatedRequirement").GetString(),
                $"{name}: designated requirement {signature.GetProperty("designatedRequirement")} vs {daemon.GetProperty("designatedRequirement")}");
            Assert.True(signature.GetProperty("designatedRequirementSatisfied").GetString() == daemon.GetProperty("designatedRequirementSatisfied").GetString(),
                $"{name}: designated requirement outcome");
        }

        static string Finding(JsonElement f) =>
            $"{f.GetProperty("kind").GetString()}|{f.GetProperty("severity").GetString()}|{f.GetProperty("path").GetString()}|{f.GetProperty("detail").GetString()}";
        Assert.Equal(check.GetProperty("findings").EnumerateArray().Select(Finding), daemon.GetProperty("findings").EnumerateArray().Select(Finding));

        static string Diagnosis(JsonElement d) => $"{d.GetProperty("kind").GetString()}|{string.Join(",", d.GetProperty("paths").EnumerateArray().Select(p => p.GetString()))}";
        var checkDiagnoses = check.TryGetProperty("diagnoses", out var diagnoses) && diagnoses.ValueKind == JsonValueKind.Array
            ? diagnoses.EnumerateArray().Select(Diagnosis).ToList()
            : [];
        Assert.Equal(checkDiagnoses, daemon.GetProperty("diagnoses").EnumerateArray().Select(Diagnosis));

        var quarantine = check.GetProperty("quarantine");
        var storedQuarantine = stored.GetProperty("quarantine");
        Assert.True(quarantine.GetProperty("story").GetString() == storedQuarantine.GetProperty("story").GetString(), $"{name}: quarantine story");
    }
}
