using SigWatch.Core.Bundles;
using SigWatch.TestSupport;

namespace SigWatch.Core.Tests.Bundles;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[System.Runtime.Versioning.SupportedOSPlatform("macos")]
public sealed class BundleLocatorTests
{
    [Theory]
    [InlineData("/Applications/Foo.app", PathLocationKind.Bundle, "/Applications/Foo.app")]
    [InlineData("/Applications/Foo.app/Contents/MacOS/Foo", PathLocationKind.Bundle, "/Applications/Foo.app")]
    [InlineData("/Applications/Utilities/Bar.app/Contents/Info.plist", PathLocationKind.Bundle, "/Applications/Utilities/Bar.app")]
    [InlineData("/Applications/Foo.app/Contents/Helpers/Nested.app/x", PathLocationKind.Bundle, "/Applications/Foo.app")]
    [InlineData("/Applications/Utilities", PathLocationKind.Container, "/Applications/Utilities")]
    [InlineData("/Applications/Utilities/readme.txt", PathLocationKind.Container, "/Applications/Utilities")]
    [InlineData("/Applications/Utilities/Sub/Deep.app", PathLocationKind.None, "")]
    [InlineData("/Applications", PathLocationKind.None, "")]
    [InlineData("/Elsewhere/Foo.app", PathLocationKind.None, "")]
    [InlineData("/Applications/FOO.APP/Contents", PathLocationKind.Bundle, "/Applications/FOO.APP")]
    [InlineData("/Applications/Installer.pkg", PathLocationKind.Bundle, "/Applications/Installer.pkg")]
    [InlineData("/Applications/Image.DMG", PathLocationKind.Bundle, "/Applications/Image.DMG")]
    [InlineData("/Applications/Archive.zip", PathLocationKind.Bundle, "/Applications/Archive.zip")]
    [InlineData("/Applications/Utilities/Nested.dmg", PathLocationKind.Container, "/Applications/Utilities")]
    public void Locate_MapsEveryPathToTheBundleOrFolderItAffects(string path, PathLocationKind kind, string expected)
    {
        var location = BundleLocator.Locate("/Applications", path);
        Assert.Equal(kind, location.Kind);
        Assert.Equal(expected, location.Path ?? string.Empty);
    }

    [Fact]
    public void FindBundles_FirstAndSecondLevel_NoSymlinksFollowed_NoDeeperBundles()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        AppTree.Create(Path.Combine(root, "A.app"), "a");
        AppTree.Create(Path.Combine(root, "Utilities", "B.app"), "b");
        AppTree.Create(Path.Combine(root, "Utilities", "Deeper", "C.app"), "c");
        var outside = AppTree.Create(dir.Combine("outside", "D.app"), "d");
        Directory.CreateSymbolicLink(Path.Combine(root, "Linked.app"), outside);
        Directory.CreateSymbolicLink(Path.Combine(root, "LinkedFolder"), dir.Combine("outside"));

        var found = BundleLocator.FindBundles(SigWatch.Platform.LstatFileTree.Instance, root);
        Assert.Equal([Path.Combine(root, "A.app"), Path.Combine(root, "Utilities", "B.app")], found);
    }

    [Fact]
    public void FindBundles_DownloadFilesDirectlyInTheRoot_AreFound_NotSymlinksOrDeeperOnes()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        File.WriteAllText(Path.Combine(root, "Image.dmg"), "x");
        File.WriteAllText(Path.Combine(root, "Tool.pkg"), "x");
        File.WriteAllText(Path.Combine(root, "App.zip"), "x");
        File.WriteAllText(Path.Combine(root, "notes.txt"), "x");
        File.WriteAllText(dir.Combine("elsewhere.dmg"), "x");
        File.CreateSymbolicLink(Path.Combine(root, "Linked.dmg"), dir.Combine("elsewhere.dmg"));
        Directory.CreateDirectory(Path.Combine(root, "Sub"));
        File.WriteAllText(Path.Combine(root, "Sub", "Deeper.pkg"), "x");

        var found = BundleLocator.FindBundles(SigWatch.Platform.LstatFileTree.Instance, root);

        Assert.Equal([Path.Combine(root, "App.zip"), Path.Combine(root, "Image.dmg"), Path.Combine(root, "Tool.pkg")], found);
    }
}
