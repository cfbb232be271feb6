using SigWatch.Core.FileSystem;

namespace SigWatch.Core.Tests.FileSystem;

public sealed class FileTreeListingTests
{
    private static FileTreeEntry Entry(string name) => new(name, FileTreeKind.Regular, 0, 0, 0, 0, 0);

    [Fact]
    public void InOrdinalOrder_AnOrderedListing_IsReturnedItself()
    {
        IReadOnlyList<FileTreeEntry> listing = [Entry("B"), Entry("a"), Entry("a.txt"), Entry("\u00e9"), Entry("\ud83d\ude00")];
        Assert.Same(listing, FileTreeListing.InOrdinalOrder(listing));
    }

    [Fact]
    public void InOrdinalOrder_AnyOtherOrder_IsSortedOrdinally_NotByCulture()
    {
        IReadOnlyList<FileTreeEntry> listing = [Entry("a.txt"), Entry("\u00e9"), Entry("B"), Entry("a"), Entry("Z")];
        var ordered = FileTreeListing.InOrdinalOrder(listing);
        Assert.Equal(["B", "Z", "a", "a.txt", "\u00e9"], ordered.Select(e => e.Name));
        Assert.Equal(["a.txt", "\u00e9", "B", "a", "Z"], listing.Select(e => e.Name)); // the input is left as it was
    }

    [Fact]
    public void InOrdinalOrder_EmptyAndSingle_AreReturnedThemselves()
    {
        IReadOnlyList<FileTreeEntry> empty = [];
        IReadOnlyList<FileTreeEntry> single = [Entry("x")];
        Assert.Same(empty, FileTreeListing.InOrdinalOrder(empty));
        Assert.Same(single, FileTreeListing.InOrdinalOrder(single));
    }
}
