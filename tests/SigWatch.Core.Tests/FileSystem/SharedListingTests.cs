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
    public void AttributeNames_BeingReadByOneWalk_AreWaitedFor_NotReadAgainByTheOther()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("f");
        File.WriteAllText(file, "f");
        ExtendedAttributes.Instance.Set(file, ExtendedAttributeNames.Quarantine, "0083;6723b9fa;Safari;"u8);
        using var gated = new GatedAttributes();
        var shared = new SharedListing(LstatFileTree.Instance, gated);
        shared.List(dir.Path);

        // Threads of their own: on a pool thread the second walk could wait for the pool to grow past the blocked first.
        var first = Task.Factory.StartNew(() => shared.ExtendedAttributes!.List(file), TaskCreationOptions.LongRunning);
        Assert.True(gated.Entered.Wait(TimeSpan.FromSeconds(30)), "the first walk never reached listxattr");
        using var secondStarted = new ManualResetEventSlim();
        var second = Task.Factory.StartNew(
            () =>
            {
                secondStarted.Set();
                return shared.ExtendedAttributes!.List(file);
            },
            TaskCreationOptions.LongRunning);
        Assert.True(secondStarted.Wait(TimeSpan.FromSeconds(30)), "the second walk never started");
        // The second walk, while the first one's reading is held: it must not read for itself (a second listing would
        // count here within this second), and it cannot have returned, as the only reading is not done.
        Assert.False(SpinWait.SpinUntil(() => gated.Listings > 1 || second.IsCompleted, TimeSpan.FromSeconds(1)));
        gated.Release.Set();

        Assert.Equal([ExtendedAttributeNames.Quarantine], first.Result);
        Assert.Same(first.Result, second.Result);
        Assert.Equal(1, gated.Listings);
    }

    [LinuxFact]
    public void AttributeNames_WhoseReadingFailed_AreReadByTheNextWalk()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("f");
        File.WriteAllText(file, "f");
        using var gated = new GatedAttributes { FailFirst = true };
        gated.Release.Set();
        var shared = new SharedListing(LstatFileTree.Instance, gated);
        shared.List(dir.Path);

        Assert.Throws<IOException>(() => shared.ExtendedAttributes!.List(file));
        ExtendedAttributes.Instance.Set(file, ExtendedAttributeNames.Quarantine, "0083;6723b9fa;Safari;"u8);

        // A slot left "being read" by the failed reading would keep the next walk waiting for good.
        var next = Task.Factory.StartNew(() => shared.ExtendedAttributes!.List(file), TaskCreationOptions.LongRunning);
        Assert.True(next.Wait(TimeSpan.FromSeconds(30)), "the next walk still waits for the failed reading");
        Assert.Equal([ExtendedAttributeNames.Quarantine], next.Result);
        Assert.Equal(2, gated.Listings);
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

    /// <summary>
    /// The real extended attributes, counting listings; the first listing signals that it has begun and waits to be
    /// released (or, with FailFirst, fails as an I/O error would), so a test can hold one walk inside its reading.
    /// </summary>
    private sealed class GatedAttributes : IExtendedAttributeReader, IDisposable
    {
        private int _listings;

        public ManualResetEventSlim Entered { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public bool FailFirst { get; init; }

        public int Listings => Volatile.Read(ref _listings);

        public byte[]? Get(string path, string name) => ExtendedAttributes.Instance.Get(path, name);

        public IReadOnlyList<string> List(string path)
        {
            if (Interlocked.Increment(ref _listings) == 1)
            {
                Entered.Set();
                Release.Wait(TimeSpan.FromSeconds(30));
                if (FailFirst)
                {
                    throw new IOException($"listxattr failed for {path} (the test's first listing)");
                }
            }

            return ExtendedAttributes.Instance.List(path);
        }

        public void Dispose()
        {
            Release.Set();
            Entered.Dispose();
            Release.Dispose();
        }
    }
}
