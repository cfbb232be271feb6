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
}
