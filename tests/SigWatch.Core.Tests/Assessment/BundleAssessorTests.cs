using System.Runtime.Versioning;
using SigWatch.Core.Assessment;
using SigWatch.Core.FileSystem;
using SigWatch.Core.Seal;
using SigWatch.Core.Verification;
using SigWatch.Platform;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Core.Tests.Assessment;

[SupportedOSPlatform("linux")]
[SupportedOSPlatform("macos")]
public sealed class BundleAssessorTests
{
    private static BundleAssessor Facts() => new(new BundleAssessorOptions { Tree = LstatFileTree.Instance });

    [Fact]
    public void Assess_ValidApp_ReadsInfoPlistFactsAndCountsFiles()
    {
        using var dir = new TempDirectory();
        var app = AppTree.Create(dir.Combine("Foo.app"), "com.example.foo", resources: 4, shortVersion: "3.1");
        Directory.CreateDirectory(Path.Combine(app, "Contents", "_CodeSignature"));
        File.WriteAllText(Path.Combine(app, "Contents", "_CodeSignature", "CodeResources"), "<plist/>");

        var facts = Facts().Assess(app)!.Facts;
        Assert.Equal("com.example.foo", facts.BundleIdentifier);
        Assert.Equal("3.1", facts.ShortVersion);
        Assert.Equal("Foo", facts.Executable);
        Assert.True(facts.HasInfoPlist);
        Assert.Null(facts.InfoPlistError);
        Assert.True(facts.HasMainExecutable);
        Assert.True(facts.HasCodeResources);
        Assert.Equal(7, facts.FileCount);
        Assert.Empty(facts.WalkProblems);
    }

    [Fact]
    public void Assess_MalformedInfoPlist_RecordsTheParserReason_StillWalksTheTree()
    {
        using var dir = new TempDirectory();
        var app = AppTree.Create(dir.Combine("Bad.app"), "x", resources: 1);
        File.WriteAllText(Path.Combine(app, "Contents", "Info.plist"), "<plist><dict><key>CFBundleIdentifier</key></dict></plist>");

        var facts = Facts().Assess(app)!.Facts;
        Assert.True(facts.HasInfoPlist);
        Assert.NotNull(facts.InfoPlistError);
        Assert.Contains("Info.plist", facts.InfoPlistError, StringComparison.Ordinal);
        Assert.Null(facts.BundleIdentifier);
        Assert.Equal(3, facts.FileCount);
    }

    [Fact]
    public void Assess_ExecutableNameEscapingTheBundle_IsNotFollowed()
    {
        using var dir = new TempDirectory();
        var app = AppTree.Create(dir.Combine("Evil.app"), "x");
        File.WriteAllText(dir.Combine("secret"), "s");
        File.WriteAllText(Path.Combine(app, "Contents", "Info.plist"), AppTree.InfoPlist("x", "../../../secret"));

        var facts = Facts().Assess(app)!.Facts;
        Assert.False(facts.HasMainExecutable);
    }

    [Fact]
    public void Assess_SymlinksInside_AreListedButNotFollowed()
    {
        using var dir = new TempDirectory();
        var app = AppTree.Create(dir.Combine("Links.app"), "x", resources: 0);
        var outside = Directory.CreateDirectory(dir.Combine("big")).FullName;
        for (var i = 0; i < 5; i++)
        {
            File.WriteAllText(Path.Combine(outside, $"f{i}"), "data");
        }

        Directory.CreateSymbolicLink(Path.Combine(app, "Contents", "Resources", "out"), outside);
        Directory.CreateSymbolicLink(Path.Combine(app, "Contents", "Resources", "loop"), Path.Combine(app, "Contents"));

        var facts = Facts().Assess(app)!.Facts;
        Assert.Equal(2, facts.FileCount);
    }

    [Fact]
    public void Assess_TouchAlone_IsNoChange_AddedOrResizedFilesAre()
    {
        using var dir = new TempDirectory();
        var app = AppTree.Create(dir.Combine("F.app"), "x", resources: 1);
        var before = Facts().Assess(app)!.Facts;
        var resource = Path.Combine(app, "Contents", "Resources", "r0.txt");
        File.SetLastWriteTimeUtc(resource, DateTime.UtcNow.AddMinutes(5));
        File.SetLastWriteTimeUtc(Path.Combine(app, "Contents", "Info.plist"), DateTime.UtcNow.AddMinutes(7));
        Assert.True(before.HasSameValues(Facts().Assess(app)!.Facts));

        File.WriteAllText(resource, "a longer resource");
        Assert.NotEqual(before.TreeFingerprint, Facts().Assess(app)!.Facts.TreeFingerprint);
        File.WriteAllText(Path.Combine(app, "Contents", "Resources", "new.txt"), "n");
        Assert.False(before.HasSameValues(Facts().Assess(app)!.Facts));
    }

    [Fact]
    public void Assess_FifoAsInfoPlistCodeResourcesOrExecutable_IsNamedNeverOpened()
    {
        using var dir = new TempDirectory();
        foreach (var victim in new[] { "Info.plist", "_CodeSignature/CodeResources", "MacOS/Fifo" })
        {
            var app = new BundleBuilder("Fifo.app").WithFile("Resources/a.txt", "a").Build(dir.Combine(victim.Replace('/', '-')));
            var path = Path.Combine(app, "Contents", victim);
            File.Delete(path);
            Assert.Equal(0, Seal.HostileFileSystemTests.MkFifo(path, 0x1A4));

            var assessment = new BundleAssessor(new BundleAssessorOptions { Tree = LstatFileTree.Instance, Verifier = new BundleVerifier(LstatFileTree.Instance) })
                .Assess(app)!;

            Assert.Equal("invalid", assessment.Facts.Signature!.Verdict);
            Assert.Contains(assessment.Facts.Signature.Findings, f => f.Detail.Contains("FIFO", StringComparison.Ordinal) || f.Detail.Contains("Fifo", StringComparison.Ordinal));
            Assert.Equal(3, assessment.Facts.FileCount); // of 4: a FIFO is listed, never counted as a file
        }
    }

    [Fact]
    public void Assess_MissingDirectory_ReturnsNull() =>
        Assert.Null(Facts().Assess("/no/such/Gone.app"));

    // The native verifier stands in for Apple's Security framework, which hashes the whole bundle on every call.
    [Fact]
    public void Assess_NativeVerifier_RunsAtFirstSightOnFullRehashAndWhenTheManagedResultChanges_NotOtherwise()
    {
        using var dir = new TempDirectory();
        var app = new BundleBuilder("Native.app").WithFile("Resources/a.txt", "a").Build(dir.Path);
        var calls = 0;
        var assessor = new BundleAssessor(new BundleAssessorOptions
        {
            Tree = LstatFileTree.Instance,
            Verifier = new BundleVerifier(LstatFileTree.Instance),
            NativeValidate = path =>
            {
                calls++;
                return new CodeSignatureAssessment("native", path, AssessmentVerdict.Valid, [], null);
            },
        });

        var first = assessor.Assess(app)!;
        var unchanged = assessor.Assess(app, first, [])!;
        var reconciled = assessor.Assess(app, unchanged, changes: null)!;
        Assert.Equal(1, calls);
        Assert.Equal("valid", reconciled.Facts.Signature!.NativeVerdict);

        var resource = Path.Combine(app, "Contents", "Resources", "a.txt");
        File.AppendAllText(resource, "!");
        var changed = assessor.Assess(app, reconciled, [resource])!;
        Assert.Equal(2, calls);
        Assert.Equal("invalid", changed.Facts.Signature!.Verdict);
        Assert.NotEmpty(changed.Facts.Signature.VerifierDisagreements); // native (here) still says valid

        var again = assessor.Assess(app, changed, [])!;
        Assert.Equal(2, calls);
        Assert.Equal(changed.Facts.Signature.VerifierDisagreements, again.Facts.Signature!.VerifierDisagreements);
        assessor.Assess(app, again, changes: null, fullRehash: true);
        Assert.Equal(3, calls);
    }

    [LinuxFact]
    public void Assess_FirstSight_ReadsEachEntrysAttributeNamesOnceForBothWalks()
    {
        using var dir = new TempDirectory();
        var app = new BundleBuilder("Shared.app").WithFile("Resources/a.txt", "a").WithFile("Resources/sub/b.txt", "b").Build(dir.Path);
        var quarantined = Path.Combine(app, "Contents", "Resources", "sub", "b.txt");
        ExtendedAttributes.Instance.Set(quarantined, ExtendedAttributeNames.Quarantine, "0083;6723b9fa;Safari;"u8);
        var attributes = new CountingAttributes();
        var assessor = new BundleAssessor(new BundleAssessorOptions
        {
            Tree = LstatFileTree.Instance,
            Verifier = new BundleVerifier(LstatFileTree.Instance, new BundleVerifierOptions { ExtendedAttributes = attributes }),
            ExtendedAttributes = attributes,
        });

        var assessment = assessor.Assess(app)!;

        Assert.Equal(["Contents/Resources/sub/b.txt"], assessment.Inventory.Quarantined);
        Assert.Equal(SignatureVerdict.Valid, assessment.Seal!.Report.Verdict);
        Assert.Contains(quarantined, attributes.Calls.Keys);
        Assert.True(attributes.Calls.Count >= 5, $"only {attributes.Calls.Count} paths listed");
        Assert.All(attributes.Calls, c => Assert.True(c.Value == 1, $"{c.Key}: listed {c.Value} times"));
    }

    /// <summary>The real extended attributes, counting the listings asked of them per path.</summary>
    private sealed class CountingAttributes : IExtendedAttributeReader
    {
        private static ExtendedAttributes Inner => ExtendedAttributes.Instance;

        public System.Collections.Concurrent.ConcurrentDictionary<string, int> Calls { get; } = new(StringComparer.Ordinal);

        public byte[]? Get(string path, string name) => Inner.Get(path, name);

        public IReadOnlyList<string> List(string path)
        {
            Calls.AddOrUpdate(path, 1, (_, n) => n + 1);
            return Inner.List(path);
        }
    }
}
