using SigWatch.Core.FileSystem;
using SigWatch.Platform;
using SigWatch.TestSupport;

namespace SigWatch.Core.Tests.FileSystem;

/// <summary>Two walks side by side read each listing and each entry's attribute names once between them.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SharedListingTests
{
    [LinuxFact]
    public void Listing_IsReadByTheFirstWalk_HandedToTheSecond_ThenReadAfresh()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("a"), "a");
        var shared = new SharedListing(LstatFileTree.Instance, ExtendedAttributes.Instance);

        var first = shared.List(dir.Path);
        File.WriteAllText(dir.Combine("b"), "b");
        var second = shared.List(dir.Path);
        var third = shared.List(dir.Path);

        Assert.Same(first, second); // one snapshot for both walks
        Assert.Equal(["a"], second.Select(e => e.Name));
        Assert.Equal(["a", "b"], third.Select(e => e.Name).Order(StringComparer.Ordinal));
    }

    [LinuxFact]
    public void AttributeNames_OfAListedEntry_AreSharedTheSameWay()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("f");
        File.WriteAllText(file, "f");
        File.WriteAllText(dir.Combine("e"), "e");
        File.WriteAllText(dir.Combine("g"), "g");
        var shared = new SharedListing(LstatFileTree.Instance, ExtendedAttributes.Instance);
        shared.List(dir.Path);

        var first = shared.ExtendedAttributes!.List(file);
        ExtendedAttributes.Instance.Set(file, ExtendedAttributeNames.Quarantine, "0083;6723b9fa;Safari;"u8);

        Assert.Empty(first);
        Assert.Same(first, shared.ExtendedAttributes.List(file));
        Assert.Equal([ExtendedAttributeNames.Quarantine], shared.ExtendedAttributes.List(file));
        Assert.Equal([ExtendedAttributeNames.Quarantine], shared.ExtendedAttributes.List(file));
    }

    [LinuxFact]
    public void AttributeNames_OfAnEntryNotListedHere_AreReadEachTime()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("f");
        File.WriteAllText(file, "f");
        var shared = new SharedListing(LstatFileTree.Instance, ExtendedAttributes.Instance);

        var first = shared.ExtendedAttributes!.List(file);
        ExtendedAttributes.Instance.Set(file, ExtendedAttributeNames.Quarantine, "0083;6723b9fa;Safari;"u8);
        shared.List(dir.Path);
        File.WriteAllText(dir.Combine("new"), "listed after");

        Assert.Empty(first);
        Assert.Equal([ExtendedAttributeNames.Quarantine], shared.ExtendedAttributes.List(file));
        Assert.Empty(shared.ExtendedAttributes.List(dir.Combine("new")));
    }

    [LinuxFact]
    public void Failure_IsNeverKept_EachWalkMeetsItsOwn()
    {
        using var dir = new TempDirectory();
        var missing = dir.Combine("gone");
        var shared = new SharedListing(LstatFileTree.Instance, null);

        Assert.ThrowsAny<IOException>(() => shared.List(missing));
        Directory.CreateDirectory(missing);

        Assert.Empty(shared.List(missing));
        Assert.Null(shared.ExtendedAttributes);
    }
}
