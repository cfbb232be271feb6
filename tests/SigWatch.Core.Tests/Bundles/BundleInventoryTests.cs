using CsCheck;
using SigWatch.Core.Bundles;
using SigWatch.Core.FileSystem;
using SigWatch.Platform;
using SigWatch.TestSupport;

namespace SigWatch.Core.Tests.Bundles;

/// <summary>An inventory updated with the paths a watcher reported equals one walked from scratch.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[System.Runtime.Versioning.SupportedOSPlatform("macos")]
public sealed class BundleInventoryTests : IDisposable
{
    private readonly TempDirectory _temp = new("inventory");
    private readonly QuarantinedPaths _xattrs = new();

    public void Dispose() => _temp.Dispose();

    private string App(string name = "Inv.app")
    {
        var app = AppTree.Create(_temp.Combine(name), "com.example.inv", resources: 3);
        Directory.CreateDirectory(Path.Combine(app, "Contents", "Resources", "sub", "deeper"));
        File.WriteAllText(Path.Combine(app, "Contents", "Resources", "sub", "x.txt"), "x");
        File.WriteAllText(Path.Combine(app, "Contents", "Resources", "sub", "deeper", "y.txt"), "yy");
        File.CreateSymbolicLink(Path.Combine(app, "Contents", "Resources", "link"), "sub/x.txt");
        return app;
    }

    private static string Said(BundleInventory inventory) =>
        $"files {inventory.Files} bytes {inventory.Bytes} entries {inventory.Entries} {inventory.Fingerprint}\n"
        + $"quarantined [{string.Join(", ", inventory.Quarantined)}]\nproblems [{string.Join(" | ", inventory.Problems)}]";

    private BundleInventory AssertUpdateMatchesWalk(BundleInventory previous, IEnumerable<string> changes)
    {
        var updated = previous.Update(changes, LstatFileTree.Instance, _xattrs);
        Assert.Equal(Said(BundleInventory.Walk(previous.Root, LstatFileTree.Instance, _xattrs)), Said(updated));
        return updated;
    }

    [LinuxFact]
    public void Walk_NameNotUtf8AndAFifo_TheFileIsCountedByItsExactName_TheFifoListedButNotCounted()
    {
        var app = App();
        var resources = Path.Combine(app, "Contents", "Resources");
        var before = BundleInventory.Walk(app, LstatFileTree.Instance, null);
        RawPaths.CreateFile(RawPaths.Join(resources, [.. "bad-"u8, 0xFF, 0xFE, .. ".txt"u8]), "12345"u8);
        RawPaths.CreateFifo(Path.Combine(resources, "pipe"));

        var after = BundleInventory.Walk(app, LstatFileTree.Instance, null);

        Assert.Equal(before.Files + 1, after.Files);
        Assert.Equal(before.Bytes + 5, after.Bytes);
        Assert.Equal(before.Entries + 2, after.Entries);
        Assert.Empty(after.Problems);
        Assert.NotEqual(before.Fingerprint, after.Fingerprint);
    }

    [Fact]
    public void Walk_CountsFilesAndBytes_SymlinksListedNotFollowed()
    {
        var app = App();
        var inventory = BundleInventory.Walk(app, LstatFileTree.Instance, null);
        // Info.plist, the executable and 3 resources from AppTree, plus x.txt and y.txt; the symlink is not a file.
        Assert.Equal(7, inventory.Files);
        Assert.StartsWith(BundleInventory.FingerprintScheme, inventory.Fingerprint, StringComparison.Ordinal);
        Assert.Empty(inventory.Problems);
    }

    [LinuxFact]
    public void Walk_SameTree_SameFingerprintAsEverWrittenForIt()
    {
        // Fingerprints are stored by the daemon and compared with the next walk's: a change of how they are computed would
        // report every known bundle as changed. This tree has every kind of entry the listing writes and names that are
        // escaped (a backslash, bytes that are not UTF-8); its fingerprint is the one the scheme has always produced.
        var root = _temp.Combine("Pinned.app");
        Directory.CreateDirectory(Path.Combine(root, "Contents", "Resources", "sub"));
        File.WriteAllText(Path.Combine(root, "Contents", "Info.plist"), "<plist/>");
        File.WriteAllText(Path.Combine(root, "Contents", "Resources", "a b\\c.txt"), "12345");
        File.WriteAllText(Path.Combine(root, "Contents", "Resources", "sub", "\u00e9t\u00e9.txt"), "");
        RawPaths.CreateFile(RawPaths.Join(Path.Combine(root, "Contents", "Resources"), [.. "bad-"u8, 0xFF, .. ".txt"u8]), "xyz"u8);
        File.CreateSymbolicLink(Path.Combine(root, "Contents", "Resources", "link"), "sub/\u00e9t\u00e9.txt");
        RawPaths.CreateSymlink(Path.Combine(root, "Contents", "Resources", "raw-link"), FileNames.Decode([.. "to-"u8, 0xFE]));
        RawPaths.CreateFifo(Path.Combine(root, "Contents", "Resources", "pipe"));

        var inventory = BundleInventory.Walk(root, LstatFileTree.Instance, null);

        Assert.Equal("v3:a4eff1496843dd485f9f997aeab44976c9d4f0820d4eb2c539bdda32680788f3", inventory.Fingerprint);
    }

    [Fact]
    public void Update_NothingReported_SameInventory()
    {
        var inventory = BundleInventory.Walk(App(), LstatFileTree.Instance, _xattrs);
        Assert.Equal(Said(inventory), Said(inventory.Update([], LstatFileTree.Instance, _xattrs)));
    }

    [Fact]
    public void Update_FileWritten_FingerprintAndSizeFollow()
    {
        var app = App();
        var before = BundleInventory.Walk(app, LstatFileTree.Instance, _xattrs);
        var file = Path.Combine(app, "Contents", "Resources", "sub", "deeper", "y.txt");
        File.WriteAllText(file, "longer now");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(3));
        var after = AssertUpdateMatchesWalk(before, [file]);
        Assert.NotEqual(before.Fingerprint, after.Fingerprint);
        Assert.Equal(before.Bytes + 8, after.Bytes);
    }

    [Fact]
    public void Update_NewDirectoryReportedOnlyDeepInside_WalksItWhole()
    {
        var app = App();
        var before = BundleInventory.Walk(app, LstatFileTree.Instance, _xattrs);
        var top = Path.Combine(app, "Contents", "Resources", "new");
        Directory.CreateDirectory(Path.Combine(top, "a", "b"));
        File.WriteAllText(Path.Combine(top, "one"), "1");
        File.WriteAllText(Path.Combine(top, "a", "b", "two"), "2");
        var after = AssertUpdateMatchesWalk(before, [Path.Combine(top, "a", "b", "two")]);
        Assert.Equal(before.Files + 2, after.Files);
    }

    [Fact]
    public void Update_DirectoryRemovedAndRenamed_MatchesWalk()
    {
        var app = App();
        var before = BundleInventory.Walk(app, LstatFileTree.Instance, _xattrs);
        var sub = Path.Combine(app, "Contents", "Resources", "sub");
        Directory.Move(sub, sub + "2");
        var renamed = AssertUpdateMatchesWalk(before, [sub, sub + "2"]);
        Directory.Delete(sub + "2", recursive: true);
        AssertUpdateMatchesWalk(renamed, [sub + "2"]);
    }

    [Fact]
    public void Update_SubdirectoryGoneWithoutAnEvent_DroppedWhenItsParentIsListedAgain()
    {
        var app = App();
        var before = BundleInventory.Walk(app, LstatFileTree.Instance, _xattrs);
        Directory.Delete(Path.Combine(app, "Contents", "Resources", "sub"), recursive: true);
        var sibling = Path.Combine(app, "Contents", "Resources", "r0.txt");
        File.AppendAllText(sibling, "!");
        var after = AssertUpdateMatchesWalk(before, [sibling]);
        Assert.Equal(before.Files - 2, after.Files);
    }

    [Fact]
    public void Update_QuarantineSetOnAFile_Listed()
    {
        var app = App();
        var before = BundleInventory.Walk(app, LstatFileTree.Instance, _xattrs);
        var file = Path.Combine(app, "Contents", "Resources", "sub", "x.txt");
        _xattrs.Paths.Add(file);
        var after = AssertUpdateMatchesWalk(before, [file]);
        Assert.Equal(["Contents/Resources/sub/x.txt"], after.Quarantined);
    }

    [Fact]
    public void Update_ChangesUnknownOrTheBundleItself_WalksEverything()
    {
        var app = App();
        var before = BundleInventory.Walk(app, LstatFileTree.Instance, _xattrs);
        File.WriteAllText(Path.Combine(app, "Contents", "Resources", "unreported"), "u");
        AssertUpdateMatchesWalk(before, null!);
        AssertUpdateMatchesWalk(before, [app]);
    }

    [Fact]
    public void Update_PathsOutsideTheBundle_Ignored()
    {
        var app = App();
        var before = BundleInventory.Walk(app, LstatFileTree.Instance, _xattrs);
        File.WriteAllText(_temp.Combine("Inv.app.txt"), "beside, with the bundle's name as prefix");
        Assert.Equal(Said(before), Said(before.Update([_temp.Combine("Inv.app.txt"), "/elsewhere/file"], LstatFileTree.Instance, _xattrs)));
    }

    [Fact]
    public void Update_RandomEditSequences_AlwaysMatchWalk()
    {
        var edit = Gen.Select(Gen.OneOf([.. TreeEdits.Kinds, "quarantine"]), Gen.Int[0, 1000], Gen.Int[0, 1000], (k, t, s) => new TreeEdit(k, t, s));
        var run = 0;
        edit.Array[1, 8].Sample(edits =>
        {
            var app = App($"R{run++}.app");
            File.WriteAllText(Path.Combine(app, "Contents", TreeEdits.Nfc), "accent");
            var inventory = BundleInventory.Walk(app, LstatFileTree.Instance, _xattrs);
            foreach (var e in edits)
            {
                inventory = AssertUpdateMatchesWalk(inventory, e.Kind == "quarantine" ? ToggleQuarantine(app, e) : TreeEdits.Apply(Path.Combine(app, "Contents"), e));
            }
        }, iter: 60, threads: 1, print: edits => string.Join("; ", edits));
    }

    private string[] ToggleQuarantine(string app, TreeEdit edit)
    {
        var files = Directory.EnumerateFiles(app, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var file = files[edit.Target % files.Count];
        if (!_xattrs.Paths.Add(file))
        {
            _xattrs.Paths.Remove(file);
        }

        return [file];
    }
}
