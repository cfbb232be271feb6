using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using CsCheck;
using SigWatch.Core.Seal;
using SigWatch.Core.Verification;
using SigWatch.Platform;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;
using static SigWatch.Core.Tests.Seal.SealTesting;

namespace SigWatch.Core.Tests.Seal;

/// <summary>
/// <see cref="BundleVerifier.Reverify"/> given the paths a watcher would report must say exactly what a full
/// <see cref="BundleVerifier.Verify"/> says, while walking only the changed regions and hashing only changed files.
/// </summary>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("macos")]
public sealed class ReverificationTests : IDisposable
{
    private readonly TempDirectory _temp = new("reverify");

    public void Dispose() => _temp.Dispose();

    private static BundleBuilder App() => FullApp().WithFile("Resources/sub/deeper/c.txt", "gamma");

    private static string C(string app, string relative) => Path.Combine(app, "Contents", relative);

    /// <summary>Verifies, applies the mutation, re-verifies with its changed paths, and compares with a fresh full verification.</summary>
    private static BundleVerificationReport AssertReverifyMatchesVerify(string app, Func<string, IEnumerable<string>> mutate, BundleVerifierOptions? options = null)
    {
        var verifier = new BundleVerifier(LstatFileTree.Instance, options);
        var before = verifier.Verify(app);
        var changed = mutate(app).ToList();
        var again = verifier.Reverify(before, changed);
        var full = new BundleVerifier(LstatFileTree.Instance, options).Verify(app);
        Assert.Equal(Said(full), Said(again));
        return again;
    }

    private string Build() => App().Build(_temp.Path);

    [Fact]
    public void Reverify_NothingChanged_SameReportWithoutHashingOrWalking()
    {
        var app = Build();
        var cache = new InMemoryFileHashCache();
        var verifier = new BundleVerifier(LstatFileTree.Instance, new BundleVerifierOptions { Cache = cache });
        var first = verifier.Verify(app);
        var again = verifier.Reverify(first, []);
        Assert.Equal(SignatureVerdict.Valid, again.Verdict);
        Assert.Equal(Said(first), Said(again));
        Assert.Equal((0, 0, 0, 0), (again.Statistics.FilesHashed, again.Statistics.CacheHits, again.Statistics.FullWalks, again.Statistics.RegionWalks));
    }

    [Fact]
    public void Reverify_OneModifiedResource_HashesThatFileOnlyAndReportsIt()
    {
        var app = Build();
        var verifier = new BundleVerifier(LstatFileTree.Instance, new BundleVerifierOptions { Cache = new InMemoryFileHashCache() });
        var first = verifier.Verify(app);
        File.AppendAllText(C(app, "Resources/a.txt"), "!");
        var again = verifier.Reverify(first, [C(app, "Resources/a.txt")]);
        Assert.Equal(["file-modified Resources/a.txt"], Errors(again));
        Assert.Equal((1, 0, 1), (again.Statistics.FilesHashed, again.Statistics.FullWalks, again.Statistics.RegionWalks));
    }

    [Fact]
    public void Detach_KeptReports_HoldOnlyTheSignatureBytesNotTheExecutables()
    {
        var app = Build();
        var verifier = new BundleVerifier(LstatFileTree.Instance);
        var first = verifier.Verify(app);
        Assert.NotNull(Assert.Single(first.Report.Architectures).Image); // what Verify returns is complete
        var kept = first.Detach();
        var again = verifier.Reverify(kept, [C(app, "Resources/a.txt")]);
        foreach (var report in new[] { kept, again })
        {
            var arch = Assert.Single(report.Report.Architectures);
            Assert.Null(arch.Image);
            Assert.True(MemoryMarshal.TryGetArray(arch.Signature!.Primary!.Bytes, out var segment));
            Assert.Equal(arch.Signature.SuperBlob!.Bytes.Length, segment.Array!.Length);
            Assert.All(report.Nested, n => Assert.All(n.Report.Architectures, a => Assert.Null(a.Image)));
        }

        Assert.Equal(Said(first), Said(again));
    }

    [Fact]
    public void Reverify_ChangeThenUndo_ValidAgain()
    {
        var app = Build();
        var verifier = new BundleVerifier(LstatFileTree.Instance);
        var first = verifier.Verify(app);
        File.WriteAllText(C(app, "Resources/sub/new.txt"), "x");
        var broken = verifier.Reverify(first, [C(app, "Resources/sub/new.txt")]);
        Assert.Equal(["file-added Resources/sub/new.txt"], Errors(broken));
        File.Delete(C(app, "Resources/sub/new.txt"));
        var mended = verifier.Reverify(broken, [C(app, "Resources/sub/new.txt")]);
        Assert.Equal(SignatureVerdict.Valid, mended.Verdict);
        Assert.Equal(Said(first), Said(mended));
    }

    public static TheoryData<string> Mutations => [.. s_mutations.Keys];

    // Each mutation returns the paths a watcher reports for it (created, deleted, written, both names of a rename).
    private static readonly Dictionary<string, Func<string, IEnumerable<string>>> s_mutations = new()
    {
        ["add resource"] = app => Write(C(app, "Resources/license.key"), "x"),
        ["remove resource"] = app => Delete(C(app, "Resources/sub/b.txt")),
        ["modify resource"] = app => Write(C(app, "Resources/a.txt"), "changed"),
        ["nfc to nfd rename"] = app => Move(C(app, "Resources/" + Nfc), C(app, "Resources/" + Nfd)),
        ["appledouble"] = app => Write(C(app, "Resources/._a.txt"), "\0\u0005\u0016\u0007"),
        ["retarget symlink"] = app =>
        {
            File.Delete(C(app, "Resources/link.txt"));
            File.CreateSymbolicLink(C(app, "Resources/link.txt"), "sub/b.txt");
            return [C(app, "Resources/link.txt")];
        },
        ["symlink replaced by file"] = app =>
        {
            File.Delete(C(app, "Resources/link.txt"));
            return Write(C(app, "Resources/link.txt"), "alpha");
        },
        ["remove optional localization"] = app => Delete(C(app, "Resources/en.lproj/Localizable.strings")),
        ["tamper nested framework"] = app => Write(C(app, "Frameworks/Kit.framework/Versions/A/Resources/Kit.txt"), "evil"),
        ["add file to nested helper"] = app => Write(C(app, "Library/LoginItems/Helper.app/Contents/Resources/extra"), "x"),
        ["remove nested framework"] = app =>
        {
            Directory.Delete(C(app, "Frameworks/Kit.framework"), recursive: true);
            return [C(app, "Frameworks/Kit.framework")];
        },
        ["replace nested tool"] = app => Write(C(app, "MacOS/tool"), "not mach-o"),
        ["replace info.plist"] = app => Write(C(app, "Info.plist"), "<plist/>"),
        ["edit info.plist"] = app =>
        {
            File.AppendAllText(C(app, "Info.plist"), " ");
            return [C(app, "Info.plist")];
        },
        ["edit code resources"] = app => Write(C(app, "_CodeSignature/CodeResources"), "x"),
        ["delete code signature"] = app =>
        {
            Directory.Delete(C(app, "_CodeSignature"), recursive: true);
            return [C(app, "_CodeSignature")];
        },
        ["append to executable"] = app =>
        {
            File.AppendAllText(C(app, "MacOS/Test"), "trailing");
            return [C(app, "MacOS/Test")];
        },
        ["file beside contents"] = app => Write(Path.Combine(app, "junk"), "x"),
        ["new directory reported only at its top"] = app =>
        {
            Directory.CreateDirectory(C(app, "Resources/new/deep"));
            File.WriteAllText(C(app, "Resources/new/x.txt"), "x");
            File.WriteAllText(C(app, "Resources/new/deep/y.txt"), "y");
            return [C(app, "Resources/new")];
        },
        ["new directory reported only at a file deep inside"] = app =>
        {
            Directory.CreateDirectory(C(app, "Resources/new/deep"));
            File.WriteAllText(C(app, "Resources/new/x.txt"), "x");
            File.WriteAllText(C(app, "Resources/new/deep/y.txt"), "y");
            return [C(app, "Resources/new/deep/y.txt")];
        },
        ["directory removed"] = app =>
        {
            Directory.Delete(C(app, "Resources/sub"), recursive: true);
            return [C(app, "Resources/sub")];
        },
        ["directory renamed"] = app => MoveDirectory(C(app, "Resources/sub"), C(app, "Resources/sub2")),
        ["directory replaced by a symlink, reported below it"] = app =>
        {
            Directory.Delete(C(app, "Resources/sub"), recursive: true);
            File.CreateSymbolicLink(C(app, "Resources/sub"), "/tmp");
            return [C(app, "Resources/sub/b.txt")];
        },
        ["fifo"] = app =>
        {
            Assert.Equal(0, HostileFileSystemTests.MkFifo(C(app, "Resources/pipe"), 0x1A4));
            return [C(app, "Resources/pipe")];
        },
        ["many changes in one batch"] = app => [
            .. Write(C(app, "Resources/a.txt"), "1"),
            .. Delete(C(app, "Resources/sub/deeper/c.txt")),
            .. Write(C(app, "Resources/sub/deeper/d.txt"), "2"),
            .. Write(C(app, "Resources/._x"), "3"),
            C(app, "Resources/sub/deeper"),
        ],
        ["twenty scattered changes, some inside others"] = app => [
            .. Enumerable.Range(0, 12).SelectMany(i => Write(C(app, $"Resources/n{i}.txt"), "b")),
            .. Enumerable.Range(0, 4).SelectMany(i => Write(C(app, $"Resources/batch/f{i}.txt"), "b")),
            C(app, "Resources/batch"),
            .. Delete(C(app, "Resources/a.txt")),
            .. Write(C(app, "Resources/sub/deeper/c.txt"), "changed"),
            .. Write(C(app, "Frameworks/Kit.framework/Versions/A/Resources/Kit.txt"), "evil"),
        ],
        ["target of a sealed symlink deleted, only the target reported"] = app => Delete(C(app, "Resources/a.txt")),
        ["path outside the bundle"] = app =>
        {
            File.WriteAllText(Path.Combine(Path.GetDirectoryName(app)!, "elsewhere.txt"), "x");
            return [Path.Combine(Path.GetDirectoryName(app)!, "elsewhere.txt")];
        },
    };

    private static string[] Write(string path, string content) => TreeEdits.Write(path, content);

    private static string[] Delete(string path)
    {
        File.Delete(path);
        return [path];
    }

    private static string[] Move(string from, string to)
    {
        File.Move(from, to);
        return [from, to];
    }

    private static string[] MoveDirectory(string from, string to)
    {
        Directory.Move(from, to);
        return [from, to];
    }

    [Theory]
    [MemberData(nameof(Mutations))]
    public void Reverify_AfterMutation_SaysWhatAFullVerificationSays(string mutation)
    {
        var app = Build();
        AssertReverifyMatchesVerify(app, s_mutations[mutation]);
    }

    [Theory]
    [InlineData("modify resource")]
    [InlineData("add resource")]
    [InlineData("directory renamed")]
    [InlineData("tamper nested framework")]
    public void Reverify_ResourceOrNestedChange_WalksRegionsNotTheWholeBundle(string mutation)
    {
        var again = AssertReverifyMatchesVerify(Build(), s_mutations[mutation]);
        // The outer bundle is never walked whole; a change inside nested code re-walks only the nested region too.
        Assert.Equal(0, again.Statistics.FullWalks);
        Assert.True(again.Statistics.RegionWalks >= 1);
    }

    [Theory]
    [InlineData("edit info.plist")]
    [InlineData("delete code signature")]
    [InlineData("file beside contents")]
    public void Reverify_ChangeToSignatureOrRoot_FallsBackToAFullWalk(string mutation)
    {
        var again = AssertReverifyMatchesVerify(Build(), s_mutations[mutation]);
        Assert.True(again.Statistics.FullWalks >= 1);
    }

    [Fact]
    public void Reverify_InfoPlistEditedWithoutAnEvent_NoticedByItsLstatFacts()
    {
        var app = Build();
        var again = AssertReverifyMatchesVerify(app, a =>
        {
            File.AppendAllText(C(a, "Info.plist"), " ");
            return [];
        });
        Assert.Contains("info-plist-modified Info.plist", Errors(again));
    }

    [Fact]
    public void Reverify_UnknownChanges_WalksEverything()
    {
        var app = Build();
        var verifier = new BundleVerifier(LstatFileTree.Instance);
        var first = verifier.Verify(app);
        File.AppendAllText(C(app, "Resources/a.txt"), "!");
        var again = verifier.Reverify(first, null);
        Assert.Equal(["file-modified Resources/a.txt"], Errors(again));
        Assert.True(again.Statistics.FullWalks >= 1);
    }

    [Fact]
    public void Reverify_QuarantineAddedAndRemoved_DiagnosisFollows()
    {
        var app = Build();
        var xattrs = new QuarantinedPaths();
        var options = new BundleVerifierOptions { ExtendedAttributes = xattrs };
        var verifier = new BundleVerifier(LstatFileTree.Instance, options);
        var first = verifier.Verify(app);
        xattrs.Paths.Add(C(app, "Resources/sub/b.txt"));
        var quarantined = verifier.Reverify(first, [C(app, "Resources/sub/b.txt")]);
        Assert.Equal(["Resources/sub/b.txt"], Assert.Single(quarantined.Diagnoses, d => d.Kind == DiagnosisKind.QuarantineInsideBundle).Paths);
        xattrs.Paths.Clear();
        var cleared = verifier.Reverify(quarantined, [C(app, "Resources/sub/b.txt")]);
        Assert.Empty(cleared.Diagnoses);
    }

    [Fact]
    public void Reverify_OuterTargetOfANestedSymlinkDeleted_TheNestedSymlinkIsCheckedAgain()
    {
        var app = new BundleBuilder("Outer.app").WithFile("Resources/shared.txt", "s")
            .WithFramework("Kit", kit => kit.WithSymlink("Resources/shared", "../../../../../Resources/shared.txt"))
            .Build(_temp.Path);
        var unrelated = AssertReverifyMatchesVerify(app, a => Write(C(a, "Resources/other.txt"), "o"));
        Assert.Equal(["file-added Resources/other.txt"], Errors(unrelated));
        File.Delete(C(app, "Resources/other.txt"));
        var again = AssertReverifyMatchesVerify(app, a => Delete(C(a, "Resources/shared.txt")));
        Assert.Contains("nested-code-invalid Frameworks/Kit.framework", Errors(again));
    }

    [Fact]
    public void Reverify_ChangesInsideAnExcludedDirectory_Ignored()
    {
        // _MASReceipt is excluded by SEC's implicit rules: nothing inside it is sealed.
        var app = Build();
        AssertReverifyMatchesVerify(app, a => Write(C(a, "_MASReceipt/receipt"), "r"));
    }

    [Fact]
    public void Reverify_FrameworkAndShallowBundles_MatchFullVerification()
    {
        var framework = new BundleBuilder("Kit.framework", BundleShape.Framework).WithFile("Resources/x.txt", "x").Build(_temp.Path);
        AssertReverifyMatchesVerify(framework, f => Write(Path.Combine(f, "Versions/A/Resources/y.txt"), "y"));
        AssertReverifyMatchesVerify(framework, f => Write(Path.Combine(f, "Versions/A/Resources/x.txt"), "changed"));
        var shallow = new BundleBuilder("Phone.app", BundleShape.Shallow).WithFile("data.bin", "d").Build(_temp.Path);
        AssertReverifyMatchesVerify(shallow, s => Write(Path.Combine(s, "data.bin"), "e"));
        AssertReverifyMatchesVerify(shallow, s => Write(Path.Combine(s, "added.bin"), "e"));
    }

    // Random sequences of edits, each followed by a re-verification from the previous report: the incremental result
    // must equal a full verification after every step, including after steps that undo earlier ones.
    [Fact]
    public void Reverify_RandomEditSequences_AlwaysMatchFullVerification()
    {
        var edit = Gen.Select(Gen.OneOf([.. TreeEdits.Kinds]), Gen.Int[0, 1000], Gen.Int[0, 1000], (k, t, s) => new TreeEdit(k, t, s));
        var run = 0;
        edit.Array[1, 6].Sample(edits =>
        {
            var app = App().WithFile("Resources/sub/e.txt", "e").WithFile("Resources/other/f.txt", "f").Build(Path.Combine(_temp.Path, $"r{run++}"));
            var verifier = new BundleVerifier(LstatFileTree.Instance);
            var report = verifier.Verify(app);
            foreach (var e in edits)
            {
                report = verifier.Reverify(report, TreeEdits.Apply(C(app, "Resources"), e));
                Assert.Equal(Said(new BundleVerifier(LstatFileTree.Instance).Verify(app)), Said(report));
            }
        }, iter: 40, threads: 1, print: edits => string.Join("; ", edits));
    }
}
