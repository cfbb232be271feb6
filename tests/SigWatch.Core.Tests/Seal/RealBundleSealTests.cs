using System.Runtime.Versioning;
using SigWatch.Core.Seal;
using SigWatch.Core.Verification;
using SigWatch.TestSupport;
using static SigWatch.Core.Tests.Seal.SealTesting;

namespace SigWatch.Core.Tests.Seal;

/// <summary>Every real bundle verifies as MANIFEST.md says, and mutated copies of them are caught.</summary>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("macos")]
public sealed class RealBundleSealTests : IDisposable
{
    private readonly TempDirectory _temp = new("rseal");

    public void Dispose() => _temp.Dispose();

    private string Copy(string fixture, string bundle) => RealBundles.Copy(fixture, bundle, _temp.Path);

    [RealFixturesTheory]
    [InlineData("sparkle-DevSignedApp", "DevSignedApp.app")]
    [InlineData("sparkle-2.6.3-framework-devid", "Sparkle.framework")]
    [InlineData("dash-GZIP-framework-devid", "GZIP.framework")]
    [InlineData("fastlane-ios-app-bundles", "simulator-app.app")]
    [InlineData("sparkle-SUUpdateValidatorTest-bundles", "CodeSignedBoth.bundle")]
    [InlineData("sparkle-SUUpdateValidatorTest-bundles", "CodeSignedOnlyNew.bundle")]
    [InlineData("sparkle-SUUpdateValidatorTest-bundles", "CodeSignedOldED.bundle")]
    public void Verify_RealBundleManifestSaysValid_IsValid(string fixture, string bundle)
    {
        var report = Verify(Copy(fixture, bundle));
        Assert.True(report.Verdict == SignatureVerdict.Valid, Describe(report));
    }

    [RealFixturesFact]
    public void Verify_SparkleFramework_AllFourNestedCodeItemsSatisfyTheirRequirements()
    {
        var report = Verify(Copy("sparkle-2.6.3-framework-devid", "Sparkle.framework"));
        Assert.Equal(["Autoupdate", "Updater.app", "XPCServices/Downloader.xpc", "XPCServices/Installer.xpc"],
            report.Nested.Select(n => n.Path).Order(StringComparer.Ordinal));
        Assert.All(report.Nested, n => Assert.Equal(SignatureVerdict.Valid, n.Report.Verdict));
        Assert.All(report.Nested, n => Assert.Equal("satisfied", n.RequirementOutcome));
        Assert.Equal(BundleShape.Framework, report.Structure!.Shape);
        Assert.Equal("B", report.Structure.VersionName);
        // 111 files2 entries minus 4 nested = 107 files, plus the one file Updater.app seals.
        Assert.Equal(108, report.Statistics.FilesHashed);
    }

    [RealFixturesFact]
    public void Verify_DeviceAppSignedWithTestCertificate_SealValidButChainUntrusted()
    {
        var report = Verify(Copy("fastlane-ios-app-bundles", "very-capable-app.app"));
        Assert.Equal(["certificate-chain-untrusted very-capable-app"], Errors(report));
    }

    [RealFixturesFact]
    public void Verify_GrowlLegacySeal_StrictRejectsTheV1EnvelopeOnly()
    {
        var bundle = Copy("growl-1.3-framework-mas-submission", "Growl.framework");
        var strict = Verify(bundle);
        Assert.Contains("weak-resource-envelope _CodeSignature/CodeResources", Errors(strict));
        Assert.DoesNotContain(strict.Findings, f => f.Kind is FindingKind.FileAdded or FindingKind.FileMissing or FindingKind.FileModified);
        var lenient = Verify(bundle, new BundleVerifierOptions { Strict = false });
        Assert.DoesNotContain(lenient.Findings, f => f.Kind == FindingKind.WeakResourceEnvelope);
    }

    [RealFixturesTheory]
    [InlineData("CodeSignedInvalid.bundle", new[] { "file-added Resources/test-pubkey.pem", "info-plist-modified Info.plist" })]
    [InlineData("CodeSignedInvalidOnly.bundle", new[] { "info-plist-modified Info.plist" })]
    public void Verify_SparkleInvalidBundles_InfoPlistMismatchAndUnsealedKey(string bundle, string[] expected)
    {
        var report = Verify(Copy("sparkle-SUUpdateValidatorTest-bundles", bundle));
        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        var errors = Errors(report).Where(e => !e.StartsWith("page-hash-mismatch", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        Assert.Equal(expected, errors);
    }

    [RealFixturesFact]
    public void Verify_SparkleNoneBundle_Unsigned() =>
        Assert.Equal(SignatureVerdict.Unsigned, Verify(Copy("sparkle-SUUpdateValidatorTest-bundles", "None.bundle")).Verdict);

    [RealFixturesTheory]
    [InlineData("dash-GZIP-framework-devid", "GZIP.framework", "A")]
    [InlineData("sparkle-2.6.3-framework-devid", "Sparkle.framework", "B")]
    public void Verify_RealFrameworkWithItsVersionsCurrentSymlink_IsValidAsItsManifestSays(string fixture, string bundle, string version)
    {
        var framework = Copy(fixture, bundle);
        Assert.Equal(version, new DirectoryInfo(Path.Combine(framework, "Versions", "Current")).LinkTarget);

        var report = Verify(framework);

        Assert.True(report.Verdict == SignatureVerdict.Valid, Describe(report));
        Assert.Equal(version, report.Structure!.VersionName);
    }

    [RealFixturesFact]
    public void Verify_RealFrameworkWhoseSymlinksWereFlattenedIntoFiles_UnsealedRoot()
    {
        // What a copy that does not keep symlinks makes of a framework (Versions/Current a file holding "A"): codesign
        // rejects the root as unsealed, and so do we.
        var framework = Copy("dash-GZIP-framework-devid", "GZIP.framework");
        foreach (var link in new[] { "Versions/Current", "GZIP", "Resources" })
        {
            var path = Path.Combine(framework, link);
            var target = File.ResolveLinkTarget(path, returnFinalTarget: false)!.ToString();
            File.Delete(path);
            File.WriteAllText(path, Path.GetRelativePath(Path.GetDirectoryName(path)!, target));
        }

        var report = Verify(framework);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.Equal([FindingKind.UnsealedRootContent], report.Findings.Where(f => f.Severity == FindingSeverity.Error).Select(f => f.Kind).Distinct());
    }

    [RealFixturesFact]
    public void Verify_DevSignedAppWithAddedResource_FileAdded()
    {
        var app = Copy("sparkle-DevSignedApp", "DevSignedApp.app");
        File.WriteAllText(Path.Combine(app, "Contents", "Resources", "license.txt"), "x");
        Assert.Equal(["file-added Resources/license.txt"], Errors(Verify(app)));
    }

    [RealFixturesFact]
    public void Verify_DevSignedAppWithEditedInfoPlist_InfoPlistModified()
    {
        var app = Copy("sparkle-DevSignedApp", "DevSignedApp.app");
        File.AppendAllText(Path.Combine(app, "Contents", "Info.plist"), " ");
        Assert.Equal(["info-plist-modified Info.plist"], Errors(Verify(app)));
    }

    [RealFixturesFact]
    public void Verify_DevSignedAppWithAppendedExecutable_BadMainExecutable()
    {
        var app = Copy("sparkle-DevSignedApp", "DevSignedApp.app");
        File.AppendAllText(Path.Combine(app, "Contents", "MacOS", "SignedApp"), "x");
        Assert.Equal(["bad-main-executable MacOS/SignedApp"], Errors(Verify(app)));
    }

    [RealFixturesFact]
    public void Verify_SparkleWithTamperedUpdater_NestedCodeInvalid()
    {
        var framework = Copy("sparkle-2.6.3-framework-devid", "Sparkle.framework");
        var updaterInfo = Path.Combine(framework, "Versions", "B", "Updater.app", "Contents", "Info.plist");
        File.AppendAllText(updaterInfo, " ");
        Assert.Equal(["nested-code-invalid Updater.app"], Errors(Verify(framework)));
    }

    [RealFixturesFact]
    public void Verify_SparkleWithRemovedAndModifiedResources_MissingAndModified()
    {
        var framework = Copy("sparkle-2.6.3-framework-devid", "Sparkle.framework");
        var resources = Path.Combine(framework, "Versions", "B", "Resources");
        var files = Directory.GetFiles(resources, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith("Info.plist", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        File.Delete(files[0]);
        File.AppendAllText(files[1], "x");
        var relative = files.Take(2).Select(f => "Resources/" + Path.GetRelativePath(resources, f).Replace('\\', '/')).ToList();
        var errors = Errors(Verify(framework));
        Assert.Equal(2, errors.Length);
        Assert.Contains(errors, e => e.EndsWith(relative[0], StringComparison.Ordinal) && (e.StartsWith("file-missing", StringComparison.Ordinal)));
        Assert.Contains($"file-modified {relative[1]}", errors);
    }

    [RealFixturesFact]
    public void Verify_ShallowAppWithAddedFile_FileAdded()
    {
        var app = Copy("fastlane-ios-app-bundles", "simulator-app.app");
        File.WriteAllText(Path.Combine(app, "extra.json"), "{}");
        Assert.Equal(["file-added extra.json"], Errors(Verify(app)));
    }

    // Re-verification of real seals (Apple's rules with omissions, nested code, frameworks, shallow bundles) after each of
    // a fixed series of edits anywhere in the bundle says what a full verification says.
    [RealFixturesTheory]
    [InlineData("sparkle-DevSignedApp", "DevSignedApp.app")]
    [InlineData("sparkle-2.6.3-framework-devid", "Sparkle.framework")]
    [InlineData("dash-GZIP-framework-devid", "GZIP.framework")]
    [InlineData("fastlane-ios-app-bundles", "simulator-app.app")]
    [InlineData("sparkle-SUUpdateValidatorTest-bundles", "CodeSignedOnlyNew.bundle")]
    public void Reverify_RealBundleEditedStepByStep_SaysWhatAFullVerificationSays(string fixture, string bundle)
    {
        var copy = Copy(fixture, bundle);
        var verifier = new BundleVerifier(Platform.LstatFileTree.Instance);
        var report = verifier.Verify(copy);
        TreeEdit[] edits = [new("write", 3, 1), new("add", 5, 2), new("delete", 7, 3), new("mkdir", 2, 4), new("rename", 1, 5), new("symlink", 9, 6), new("write", 11, 7)];
        foreach (var edit in edits)
        {
            report = verifier.Reverify(report, TreeEdits.Apply(copy, edit));
            Assert.Equal(Said(Verify(copy)), Said(report));
        }
    }
}
