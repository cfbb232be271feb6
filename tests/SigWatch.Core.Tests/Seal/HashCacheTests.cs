using System.Runtime.Versioning;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.Seal;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;
using static SigWatch.Core.Tests.Seal.SealTesting;

namespace SigWatch.Core.Tests.Seal;

/// <summary>Incremental re-verification: the cache is consulted through the walk, and the statistics count real hashing.</summary>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("macos")]
public sealed class HashCacheTests : IDisposable
{
    private readonly TempDirectory _temp = new("hcache");

    public void Dispose() => _temp.Dispose();

    private string App()
    {
        var builder = new BundleBuilder("Test.app").WithFramework("Kit");
        for (var i = 0; i < 20; i++)
        {
            builder.WithFile($"Resources/r{i}.txt", $"resource {i}");
        }

        return builder.Build(_temp.Path);
    }

    private const int SealedFiles = 22; // 20 resources + the framework's Kit.txt and Resources/Info.plist

    [Fact]
    public void Reverify_UnchangedBundle_HashesNothing()
    {
        var app = App();
        var cache = new InMemoryFileHashCache();
        var cold = Verify(app, new BundleVerifierOptions { Cache = cache });
        Assert.Equal(SealedFiles, cold.Statistics.FilesHashed);

        var warm = Verify(app, new BundleVerifierOptions { Cache = cache });
        Assert.Empty(Errors(warm));
        Assert.Equal(0, warm.Statistics.FilesHashed);
        Assert.Equal(SealedFiles, warm.Statistics.CacheHits);
    }

    [Fact]
    public void Reverify_OneFileChanged_HashesExactlyThatFileAndReportsIt()
    {
        var app = App();
        var cache = new InMemoryFileHashCache();
        Verify(app, new BundleVerifierOptions { Cache = cache });
        File.AppendAllText(Path.Combine(app, "Contents", "Resources", "r7.txt"), "!");

        var report = Verify(app, new BundleVerifierOptions { Cache = cache });
        Assert.Equal(1, report.Statistics.FilesHashed);
        Assert.Equal(["file-modified Resources/r7.txt"], Errors(report));
    }

    [Fact]
    public void Reverify_ContentChangedWithMtimeRestored_CtimeForcesARehash()
    {
        var app = App();
        var file = Path.Combine(app, "Contents", "Resources", "r3.txt");
        var mtime = File.GetLastWriteTimeUtc(file);
        var cache = new InMemoryFileHashCache();
        Verify(app, new BundleVerifierOptions { Cache = cache });
        Thread.Sleep(20); // the kernel's coarse clock must move for ctime to differ
        File.WriteAllText(file, "resource X"); // same length as "resource 3"
        File.SetLastWriteTimeUtc(file, mtime);

        var report = Verify(app, new BundleVerifierOptions { Cache = cache });
        Assert.Equal(1, report.Statistics.FilesHashed);
        Assert.Equal(["file-modified Resources/r3.txt"], Errors(report));
    }

    [Fact]
    public void Reverify_SameVerifierAfterResealOrAddition_SeesTheNewSealAndFile()
    {
        var app = App();
        var verifier = new BundleVerifier(Platform.LstatFileTree.Instance, new BundleVerifierOptions { Cache = new InMemoryFileHashCache() });
        Assert.Empty(Errors(verifier.Verify(app)));

        File.WriteAllText(Path.Combine(app, "Contents", "Resources", "late.txt"), "x");
        Assert.Equal(["file-added Resources/late.txt"], Errors(verifier.Verify(app)));

        File.Delete(Path.Combine(app, "Contents", "Resources", "late.txt"));
        var codeResources = Path.Combine(app, "Contents", "_CodeSignature", "CodeResources");
        File.WriteAllText(codeResources, File.ReadAllText(codeResources).Replace("r7.txt", "r7.TXT", StringComparison.Ordinal));
        Assert.Equal(["file-added Resources/r7.txt", "file-missing Resources/r7.TXT", "resource-envelope-modified _CodeSignature/CodeResources"],
            Errors(verifier.Verify(app)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Reverify_Full_IgnoresTheCacheButRefreshesIt()
    {
        var app = App();
        var cache = new InMemoryFileHashCache();
        Verify(app, new BundleVerifierOptions { Cache = cache });
        Assert.Equal(SealedFiles, Verify(app, new BundleVerifierOptions { Cache = cache, IgnoreCache = true }).Statistics.FilesHashed);
        Assert.Equal(SealedFiles, cache.Count);
    }

    [Fact]
    public void FileBackedCache_SavedAndLoaded_ServesEveryUnchangedFile()
    {
        var app = App();
        var file = Path.Combine(_temp.Path, "cache.tsv");
        var first = FileBackedHashCache.Load(file);
        Verify(app, new BundleVerifierOptions { Cache = first });
        first.Save();

        var second = FileBackedHashCache.Load(file);
        Assert.Equal(SealedFiles, second.Count);
        Assert.Equal(0, Verify(app, new BundleVerifierOptions { Cache = second }).Statistics.FilesHashed);
    }

    [Fact]
    public void FileBackedCache_NothingChanged_SaveLeavesTheFileAlone()
    {
        var app = App();
        var file = Path.Combine(_temp.Path, "cache.tsv");
        var first = FileBackedHashCache.Load(file);
        Verify(app, new BundleVerifierOptions { Cache = first });
        first.Save();
        var written = File.GetLastWriteTimeUtc(file);
        File.SetLastWriteTimeUtc(file, written.AddHours(-1));

        var second = FileBackedHashCache.Load(file);
        Verify(app, new BundleVerifierOptions { Cache = second });
        Assert.False(second.IsDirty);
        second.Save();
        Assert.Equal(written.AddHours(-1), File.GetLastWriteTimeUtc(file));
    }

    [Fact]
    public void FileBackedCache_DamagedLines_AreSkipped()
    {
        var file = Path.Combine(_temp.Path, "cache.tsv");
        var digest = new string('a', 64);
        File.WriteAllLines(file, ["# header", "garbage", $"2\t1\t2\t3\t4\t5\tzz\t/p", $"2\t1\t2\t3\t4\t5\t{digest}\t/ok"]);
        var cache = FileBackedHashCache.Load(file);
        Assert.Equal(1, cache.Count);
        Assert.True(cache.TryGet(new FileHashKey("/ok", 1, 2, 3, 4, 5, CodeHashType.Sha256), out var value));
        Assert.Equal(32, value.Length);
        Assert.False(cache.TryGet(new FileHashKey("/ok", 1, 2, 3, 4, 6, CodeHashType.Sha256), out _));
    }
}
