using System.Runtime.Versioning;
using System.Text;
using SigWatch.Core.Seal;
using SigWatch.Core.Verification;
using SigWatch.Platform;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;
using static SigWatch.Core.Tests.Seal.SealTesting;

namespace SigWatch.Core.Tests.Seal;

/// <summary>Bundles made by <see cref="BundleBuilder"/>: untouched they verify valid; each mutation yields exactly its findings.</summary>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("macos")]
public sealed class BundleSealTests : IDisposable
{
    private readonly TempDirectory _temp = new("seal");

    public void Dispose() => _temp.Dispose();

    private string BuildApp() => FullApp().Build(_temp.Path);

    private static string Contents(string app, string relative) => Path.Combine(app, "Contents", relative);

    [Fact]
    public void Verify_UntouchedAppWithNestedCode_IsValid()
    {
        var report = Verify(BuildApp());
        Assert.True(report.Verdict == SignatureVerdict.Valid, Describe(report));
        Assert.Equal("bundle", report.Report.Kind);
        Assert.Equal(BundleShape.Deep, report.Structure!.Shape);
        Assert.Equal(["Frameworks/Kit.framework", "Library/LoginItems/Helper.app", "MacOS/tool"], report.Nested.Select(n => n.Path).Order(StringComparer.Ordinal));
        Assert.All(report.Nested, n => Assert.Equal("satisfied", n.RequirementOutcome));
        Assert.Empty(report.Diagnoses);
    }

    [Fact]
    public void Verify_UntouchedFramework_IsValid()
    {
        var framework = new BundleBuilder("Kit.framework", BundleShape.Framework).WithFile("Resources/x.txt", "x").Build(_temp.Path);
        var report = Verify(framework);
        Assert.True(report.Verdict == SignatureVerdict.Valid, Describe(report));
        Assert.Equal("A", report.Structure!.VersionName);
    }

    [Fact]
    public void Verify_UntouchedShallowBundle_IsValid()
    {
        var app = new BundleBuilder("Phone.app", BundleShape.Shallow).WithFile("Base.lproj/Main.storyboardc", "sb").WithFile("data.bin", "d").Build(_temp.Path);
        var report = Verify(app);
        Assert.True(report.Verdict == SignatureVerdict.Valid, Describe(report));
        Assert.Equal(BundleShape.Shallow, report.Structure!.Shape);
    }

    [Fact]
    public void Verify_UntouchedDetachedBundle_IsValid()
    {
        var bundle = new BundleBuilder("Plain.bundle") { ExecutableName = null }.WithFile("Resources/key.pem", "k").Build(_temp.Path);
        var report = Verify(bundle);
        Assert.True(report.Verdict == SignatureVerdict.Valid, Describe(report));
        Assert.Equal("detached", report.Report.Architectures.Single().Architecture);
    }

    [Fact]
    public void Verify_AddedResource_FileAdded()
    {
        var app = BuildApp();
        File.WriteAllText(Contents(app, "Resources/license.key"), "x");
        // File times come from the kernel's coarse clock: make "after" unambiguous.
        File.SetLastWriteTimeUtc(Contents(app, "Resources/license.key"), DateTime.UtcNow.AddMinutes(1));
        var report = Verify(app);
        Assert.Equal(["file-added Resources/license.key"], Errors(report));
        Assert.True(report.Diagnoses.Any(d => d.Kind == DiagnosisKind.AddedAfterSigning && d.Paths.Contains("Resources/license.key")),
            $"{report.SigningTime:o} {report.SigningTimeSource}: " + string.Join("; ", report.Diagnoses));
    }

    [Fact]
    public void Verify_AddedFileOlderThanTheSeal_NotDiagnosedAsAddedAfterSigning()
    {
        var app = BuildApp();
        File.WriteAllText(Contents(app, "Resources/old.txt"), "x");
        File.SetLastWriteTimeUtc(Contents(app, "Resources/old.txt"), new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var report = Verify(app);
        Assert.Equal(["file-added Resources/old.txt"], Errors(report));
        Assert.DoesNotContain(report.Diagnoses, d => d.Kind == DiagnosisKind.AddedAfterSigning);
    }

    [Fact]
    public void Verify_RemovedResource_FileMissing()
    {
        var app = BuildApp();
        File.Delete(Contents(app, "Resources/sub/b.txt"));
        Assert.Equal(["file-missing Resources/sub/b.txt"], Errors(Verify(app)));
    }

    [Fact]
    public void Verify_RemovedOptionalLocalization_StaysValid()
    {
        var app = BuildApp();
        File.Delete(Contents(app, "Resources/en.lproj/Localizable.strings"));
        Assert.Empty(Errors(Verify(app)));
    }

    [Fact]
    public void Verify_ModifiedResource_FileModified()
    {
        var app = BuildApp();
        File.AppendAllText(Contents(app, "Resources/a.txt"), "!");
        Assert.Equal(["file-modified Resources/a.txt"], Errors(Verify(app)));
    }

    [Fact]
    public void Verify_NfcRenamedToNfd_OneNormalizationMismatchNamingBothForms()
    {
        var app = BuildApp();
        File.Move(Contents(app, "Resources/" + Nfc), Contents(app, "Resources/" + Nfd));
        var report = Verify(app);
        Assert.Equal(["normalization-mismatch Resources/" + Nfd], Errors(report));
        var diagnosis = Assert.Single(report.Diagnoses, d => d.Kind == DiagnosisKind.NormalizationMismatch);
        Assert.Equal(["Resources/" + Nfd, "Resources/" + Nfc], diagnosis.Paths);
        Assert.Contains("NFD", report.Findings[0].Detail, StringComparison.Ordinal);
        Assert.Contains("NFC", report.Findings[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_AppleDoubleFiles_FileAddedAndDiagnosed()
    {
        var app = BuildApp();
        File.WriteAllBytes(Contents(app, "Resources/._a.txt"), [0, 5, 22, 7]);
        var report = Verify(app);
        Assert.Equal(["file-added Resources/._a.txt"], Errors(report));
        Assert.Equal(["Resources/._a.txt"], Assert.Single(report.Diagnoses, d => d.Kind == DiagnosisKind.AppleDouble).Paths);
    }

    [Fact]
    public void Verify_RetargetedSymlink_SymlinkModified()
    {
        var app = BuildApp();
        File.Delete(Contents(app, "Resources/link.txt"));
        File.CreateSymbolicLink(Contents(app, "Resources/link.txt"), "sub/b.txt");
        Assert.Equal(["symlink-modified Resources/link.txt"], Errors(Verify(app)));
    }

    [Fact]
    public void Verify_SymlinkReplacedByFile_FileModified()
    {
        var app = BuildApp();
        File.Delete(Contents(app, "Resources/link.txt"));
        File.WriteAllText(Contents(app, "Resources/link.txt"), "alpha");
        Assert.Equal(["file-modified Resources/link.txt"], Errors(Verify(app)));
    }

    [Fact]
    public void Verify_TamperedNestedFramework_NestedCodeInvalidNamingTheSubcomponent()
    {
        var app = BuildApp();
        File.AppendAllText(Contents(app, "Frameworks/Kit.framework/Versions/A/Resources/Kit.txt"), "!");
        var report = Verify(app);
        Assert.Equal(["nested-code-invalid Frameworks/Kit.framework"], Errors(report));
        Assert.Contains("In subcomponent: Frameworks/Kit.framework", report.Findings[0].Detail, StringComparison.Ordinal);
        Assert.Contains("file-modified Resources/Kit.txt", report.Findings[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_IntactOtherFrameworkVersion_StaysValid()
    {
        var app = BuildApp();
        CopyTree(Contents(app, "Frameworks/Kit.framework/Versions/A"), Contents(app, "Frameworks/Kit.framework/Versions/Old"));
        Assert.Empty(Errors(Verify(app)));
    }

    [Fact]
    public void Verify_TamperedOtherFrameworkVersion_NestedCodeInvalidNamingTheVersion()
    {
        var app = BuildApp();
        var old = Contents(app, "Frameworks/Kit.framework/Versions/Old");
        CopyTree(Contents(app, "Frameworks/Kit.framework/Versions/A"), old);
        File.AppendAllText(Path.Combine(old, "Resources", "Kit.txt"), "!");
        var report = Verify(app);
        Assert.Equal(["nested-code-invalid Frameworks/Kit.framework"], Errors(report));
        Assert.Contains("invalid framework version Versions/Old: file-modified Resources/Kit.txt", report.Findings[0].Detail, StringComparison.Ordinal);
        Assert.Empty(Errors(Verify(app, new BundleVerifierOptions { Strict = false })));
    }

    private static void CopyTree(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var info in new DirectoryInfo(source).EnumerateFileSystemInfos())
        {
            var destination = Path.Combine(target, info.Name);
            if (info.LinkTarget is { } link)
            {
                File.CreateSymbolicLink(destination, link);
            }
            else if (info is DirectoryInfo)
            {
                CopyTree(info.FullName, destination);
            }
            else
            {
                File.Copy(info.FullName, destination);
            }
        }
    }

    [Fact]
    public void Verify_ReplacedNestedTool_NestedCodeInvalidByRequirement()
    {
        var app = BuildApp();
        File.WriteAllBytes(Contents(app, "MacOS/tool"), new MachOBuilder { Identifier = "tool", Seed = 99 }.Build());
        var report = Verify(app);
        Assert.Equal(["nested-code-invalid MacOS/tool"], Errors(report));
        Assert.Contains("does not satisfy its recorded requirement", report.Findings[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_EditedInfoPlist_InfoPlistModified()
    {
        var app = BuildApp();
        File.AppendAllText(Contents(app, "Info.plist"), "\n");
        Assert.Equal(["info-plist-modified Info.plist"], Errors(Verify(app)));
    }

    [Fact]
    public void Verify_EditedCodeResources_ResourceEnvelopeModified()
    {
        var app = BuildApp();
        File.AppendAllText(Contents(app, "_CodeSignature/CodeResources"), "\n");
        Assert.Equal(["resource-envelope-modified _CodeSignature/CodeResources"], Errors(Verify(app)));
    }

    [Fact]
    public void Verify_DeletedCodeSignatureDirectory_ResourceEnvelopeMissing()
    {
        var app = BuildApp();
        Directory.Delete(Contents(app, "_CodeSignature"), recursive: true);
        var report = Verify(app);
        Assert.Equal(["resource-envelope-modified _CodeSignature/CodeResources"], Errors(report));
        Assert.Contains("missing", report.Findings[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_AppendedToExecutable_BadMainExecutable()
    {
        var app = BuildApp();
        File.AppendAllText(Contents(app, "MacOS/Test"), "trailing");
        Assert.Equal(["bad-main-executable MacOS/Test"], Errors(Verify(app)));
    }

    [Fact]
    public void Verify_ModifiedExecutableCode_PageHashMismatch()
    {
        var app = BuildApp();
        using (var stream = File.OpenWrite(Contents(app, "MacOS/Test")))
        {
            stream.Position = 5000;
            stream.WriteByte(0xCC);
        }

        Assert.Equal(["page-hash-mismatch MacOS/Test"], Errors(Verify(app)));
    }

    [Fact]
    public void Verify_FileBesideContents_UnsealedRootContent()
    {
        var app = BuildApp();
        File.WriteAllText(Path.Combine(app, "README"), "x");
        Assert.Equal(["unsealed-root-content ../README"], Errors(Verify(app)));
        Assert.Empty(Errors(Verify(app, new BundleVerifierOptions { Strict = false })));
    }

    [Fact]
    public void Verify_StrayFileInCodeSignature_UnsealedRootContent()
    {
        var app = BuildApp();
        File.WriteAllText(Contents(app, "_CodeSignature/extra"), "x");
        Assert.Equal(["unsealed-root-content _CodeSignature/extra"], Errors(Verify(app)));
    }

    [Fact]
    public void Verify_SealedSymlinkEscapingTheBundle_SymlinkEscapesBundle()
    {
        var app = FullApp().WithSymlink("Resources/escape", "../../../outside").WithSymlink("Resources/system", "/System/Library/x")
            .WithSymlink("Resources/etc", "/etc/passwd").Build(_temp.Path);
        Assert.Equal(["symlink-escapes-bundle Resources/escape", "symlink-escapes-bundle Resources/etc"], Errors(Verify(app)));
    }

    // SEC validateSymlinkResource resolves with realpath: the destination must exist, lie in this bundle or an enclosing
    // one, and be covered by that bundle's rules (or be its main executable).
    [Fact]
    public void Verify_SealedSymlinksResolvedPhysically_OnlyCoveredDestinationsInsideTheBundleAreAllowed()
    {
        var app = FullApp()
            .WithSymlink("Resources/to-info-plist", "../Info.plist")      // omitted by rules2
            .WithSymlink("Resources/dangling", "nothere.txt")
            .WithSymlink("Resources/loop1", "loop2")
            .WithSymlink("Resources/loop2", "loop1")
            .WithSymlink("Resources/to-executable", "../MacOS/Test")      // the main executable: allowed
            .WithSymlink("Resources/via-link", "link.txt")                // link.txt -> a.txt: allowed
            .WithSymlink("Resources/via-escape", "sub/../../../../outside")
            .Build(_temp.Path);
        var report = Verify(app);
        Assert.Equal(
            ["symlink-escapes-bundle Resources/dangling", "symlink-escapes-bundle Resources/loop1", "symlink-escapes-bundle Resources/loop2",
                "symlink-escapes-bundle Resources/to-info-plist", "symlink-escapes-bundle Resources/via-escape"],
            Errors(report));
        Assert.Contains("a path the seal does not cover", report.Findings.Single(f => f.Path == "Resources/to-info-plist").Detail, StringComparison.Ordinal);
        Assert.Contains("does not resolve", report.Findings.Single(f => f.Path == "Resources/dangling").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_NestedFrameworkSymlinkIntoTheEnclosingApp_AllowedWhereTheAppSealCoversIt()
    {
        var app = new BundleBuilder("Outer.app").WithFile("Resources/shared.txt", "s")
            .WithFramework("Kit", kit => kit
                .WithSymlink("Resources/shared", "../../../../../Resources/shared.txt")   // Contents/Resources/shared.txt
                .WithSymlink("Resources/outer-plist", "../../../../../Info.plist"))       // Contents/Info.plist: omitted
            .Build(_temp.Path);
        var report = Verify(app);
        Assert.Equal(["nested-code-invalid Frameworks/Kit.framework"], Errors(report));
        Assert.Contains("symlink-escapes-bundle Resources/outer-plist", report.Findings[0].Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Resources/shared ", report.Findings[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_AbsoluteSymlinkIntoSystem_UncheckedOffAMac_OutsideSystemAndLibraryAnError()
    {
        var app = FullApp().WithSymlink("Resources/system", "/System/Library/Frameworks/None.framework").WithSymlink("Resources/etc", "/etc/hostname")
            .Build(_temp.Path);
        var report = Verify(app);
        Assert.Equal(["symlink-escapes-bundle Resources/etc"], Errors(report));
        if (!OperatingSystem.IsMacOS())
        {
            Assert.Contains(report.Findings, f => f.Kind == FindingKind.SymlinkTargetUnchecked && f.Path == "Resources/system" && f.Severity == FindingSeverity.Warning);
        }
    }

    [Fact]
    public void Verify_FrameworkRootFileAdded_UnsealedRootContent()
    {
        var framework = new BundleBuilder("Kit.framework", BundleShape.Framework).Build(_temp.Path);
        File.WriteAllText(Path.Combine(framework, "stray"), "x");
        Assert.Equal(["unsealed-root-content ../../stray"], Errors(Verify(framework)));
    }

    [Fact]
    public void Verify_DetachedBundleInfoPlistEdited_InfoPlistModified()
    {
        var bundle = new BundleBuilder("Plain.bundle") { ExecutableName = null }.Build(_temp.Path);
        File.AppendAllText(Contents(bundle, "Info.plist"), "\n");
        // The code slot covers codeLimit bytes of the Info.plist; appended bytes fall outside it, as in SEC.
        Assert.Equal(["info-plist-modified Info.plist"], Errors(Verify(bundle)));
    }

    [Fact]
    public void Verify_UnsignedBundle_Unsigned()
    {
        var app = AppTree.Create(Path.Combine(_temp.Path, "Bare.app"), "com.example.bare");
        File.WriteAllBytes(Contents(app, "MacOS/Bare"), new MachOBuilder().Unsigned().Build());
        var report = Verify(app);
        Assert.Equal(SignatureVerdict.Unsigned, report.Verdict);
        Assert.Equal(["not-signed MacOS/Bare"], Errors(report));
    }

    [Fact]
    public void Verify_MissingExecutable_FileMissing()
    {
        var app = BuildApp();
        File.Delete(Contents(app, "MacOS/Test"));
        Assert.Equal(["file-missing MacOS/Test"], Errors(Verify(app)));
    }

    [Fact]
    public void Verify_Sha1AndSha256Directories_BothBindTheSeal()
    {
        var builder = FullApp();
        builder.HashTypes = [Core.CodeSigning.CodeHashType.Sha1, Core.CodeSigning.CodeHashType.Sha256];
        var app = builder.Build(_temp.Path);
        Assert.Empty(Errors(Verify(app)));
        File.AppendAllText(Contents(app, "Info.plist"), " ");
        Assert.Equal(["info-plist-modified Info.plist"], Errors(Verify(app)));
    }

    [Theory]
    [InlineData("com.apple.FinderInfo")]
    [InlineData("com.apple.ResourceFork")]
    public void Verify_ResourceWithSidebandAttribute_ResourceSidebandDataInStrictModeOnly(string attribute)
    {
        var app = BuildApp();
        ExtendedAttributes.Instance.Set(Contents(app, "Resources/a.txt"), attribute, new byte[32]);
        var xattrs = ExtendedAttributes.Instance;
        Assert.Equal(["resource-sideband-data Resources/a.txt"], Errors(Verify(app, new BundleVerifierOptions { ExtendedAttributes = xattrs })));
        Assert.Empty(Errors(Verify(app, new BundleVerifierOptions { ExtendedAttributes = xattrs, Strict = false })));
        Assert.Empty(Errors(Verify(app))); // without attribute access there is nothing to check
    }

    [Fact]
    public void Verify_SidebandAttributeOnAnOmittedFile_NotChecked()
    {
        var app = BuildApp();
        File.WriteAllText(Contents(app, "Resources/.DS_Store"), "x"); // rules2 omits .DS_Store
        ExtendedAttributes.Instance.Set(Contents(app, "Resources/.DS_Store"), "com.apple.FinderInfo", new byte[32]);
        Assert.Empty(Errors(Verify(app, new BundleVerifierOptions { ExtendedAttributes = ExtendedAttributes.Instance })));
    }

    // SEC validateNestedCode: the recorded requirement is evaluated against the nested code's own Info.plist and
    // entitlements, so info[...] and entitlement[...] clauses are decided, not left unknown.
    [Theory]
    [InlineData("info[CFBundleIdentifier] = \"com.example.helper\"", null)]
    [InlineData("info[CFBundleIdentifier] = \"com.example.other\"", "does not satisfy its recorded requirement")]
    [InlineData("entitlement[\"com.apple.security.app-sandbox\"] exists", "does not satisfy its recorded requirement")]
    [InlineData("identifier \"com.example.helper\" and info[CFBundleExecutable] = \"Helper\"", null)]
    public void Verify_NestedRequirementWithInfoOrEntitlementClauses_DecidedFromTheNestedCode(string requirement, string? failure)
    {
        var app = new BundleBuilder("Host.app").WithHelperApp("Helper", configure: h => h.SealedRequirement = requirement).Build(_temp.Path);
        var report = Verify(app);
        if (failure is null)
        {
            Assert.True(report.Verdict == SignatureVerdict.Valid, Describe(report));
            Assert.Equal("satisfied", Assert.Single(report.Nested).RequirementOutcome);
        }
        else
        {
            Assert.Equal(["nested-code-invalid Library/LoginItems/Helper.app"], Errors(report));
            Assert.Contains(failure, report.Findings[0].Detail, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(report.Findings, f => f.Kind == FindingKind.NestedRequirementUnchecked);
    }
}
